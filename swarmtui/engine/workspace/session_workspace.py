"""The workspace layer of a session: which agents get a worktree, and each one's way through it.

    workspace = await SessionWorkspace.open(config, source=..., session_id=..., ...)
    place = await workspace.enter(agent, providers)   # a Placement, or None: the session folder
    ...                                               # the agent runs in place.workdir
    await workspace.leave(agent, status)              # committed, diff kept as a patch

It knows the repository and git, nothing of the scheduler, the confinement or the runners: what
it does becomes events (`workspace_opened`/`_refused`, `worktree_created`/`_failed`/`_setup`,
`agent_committed`), and the `[workspace] setup` command runs through the function it is given.
Git work is done in threads, so the event loop goes on; worktrees are made one at a time,
agents' work is committed side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TypeVar

from swarmtui.engine.events import (
    AgentCommitted,
    Event,
    WorkspaceOpened,
    WorkspaceRefused,
    WorktreeCreated,
    WorktreeFailed,
    WorktreeSetup,
)
from swarmtui.engine.fence import write_fenced
from swarmtui.engine.paths import slug
from swarmtui.engine.settings import WorkspaceSettings
from swarmtui.engine.workspace import worktrees as wt
from swarmtui.engine.workspace.combine import Combined, combine, is_ancestor
from swarmtui.engine.workspace.git import Git, GitError, find_git
from swarmtui.engine.workspace.include import copy_included
from swarmtui.engine.workspace.repo import (
    Repository,
    WorkspaceProblem,
    inspect_repository,
    named,
    repository_of,
    taken_branches,
)
from swarmtui.engine.worktree_state import WorkspaceState, WorktreeState
from swarmtui.locations import builtin_examples_dir

Emit = Callable[[Event], None]
# Runs `[workspace] setup` (the command) in the agent's new worktree (the folder): its exit
# status and why it failed or did not run, (None, None) when a rehearsal did not run it. The
# composition gives it (confined, by the permission rules).
SetupRunner = Callable[[str, Path], Awaitable[tuple[int | None, str | None]]]
T = TypeVar("T")
# Backends whose agents change files: each of their agents gets a worktree.
EDITING_BACKENDS = frozenset({"claude", "command", "openai"})


class WorkspaceStop(Exception):
    """The repository that was asked for cannot be used: no agent may start."""


def _in_a_repository(folder: Path) -> bool:
    """Whether FOLDER looks like part of a user's git working tree (without running git).

    swarmtui's own examples are not: from a clone or an editable install they sit in swarmtui's
    repository, whose branches a run of an example must not take."""
    if folder.is_relative_to(builtin_examples_dir().resolve()):
        return False
    return any((parent / ".git").exists() for parent in (folder, *folder.parents))


def _leftovers(git: Git, repo: Repository, session_id: str) -> list[str]:
    """Worktrees of other sessions still in the repository: `path (branch)`."""
    out = git.text(["worktree", "list", "--porcelain"], cwd=repo.top)
    found, path = [], ""
    for line in out.splitlines():
        if line.startswith("worktree "):
            path = line.removeprefix("worktree ")
        elif line.startswith("branch refs/heads/swarm/"):
            branch = line.removeprefix("branch refs/heads/")
            if not branch.startswith(f"swarm/{session_id}/"):
                found.append(f"{path} ({branch})")
    return found


class SessionWorkspace:
    def __init__(
        self,
        git: Git,
        repo: Repository,
        *,
        session_id: str,
        session_dir: Path,
        emit: Emit,
        trees: dict[str, wt.Worktree],
        committed: dict[str, str],
        setup: str | None = None,
    ) -> None:
        self.git = git
        self.repo = repo
        self.session_id = session_id
        self.session_dir = session_dir
        self._emit = emit
        self.trees = trees  # every agent that gets a worktree (made or not yet)
        self._committed = committed  # agent -> its branch's tip when it last ended
        self._made = {name for name in committed}  # agents whose worktree exists
        self.setup = setup
        self._making = asyncio.Lock()

    # --- opening ----------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        config: WorkspaceSettings,
        *,
        source: Path | None,
        session_id: str,
        session_dir: Path,
        agents: Mapping[str, str],
        rehearsal: bool,
        emit: Emit,
        recorded: WorkspaceState | None = None,
        recorded_trees: Mapping[str, WorktreeState] | None = None,
    ) -> SessionWorkspace | None:
        """The session's workspace (AGENTS: name -> the backend that runs it), or None when its
        agents work in the session folder; `WorkspaceStop` when it must not run at all.

        RECORDED: what a resumed session had (its repository, base commit and worktrees)."""
        asked = config.repo is not None
        path: Path | None = config.repo
        if recorded is not None:
            if recorded.repo is None or recorded.refused is not None:
                return None
            path, asked = Path(recorded.repo), recorded.asked
        elif config.worktrees is False and not asked:
            return None
        elif not asked:
            editing = any(backend in EDITING_BACKENDS for backend in agents.values())
            if not editing or source is None or not _in_a_repository(source.parent.resolve()):
                return None
            if config.unavailable is not None:  # (said: the user expects worktrees here)
                folder = str(source.parent.resolve())
                emit(WorkspaceRefused(repo=folder, reason=config.unavailable, stopped=False))
                return None
        wanted = [n for n, b in agents.items() if rehearsal or b in EDITING_BACKENDS]
        try:
            git = await asyncio.to_thread(find_git)
            if path is None:
                assert source is not None
                path = await asyncio.to_thread(repository_of, git, source.parent.resolve())
                if path is None:
                    return None
            repo = await asyncio.to_thread(
                inspect_repository, git, path.expanduser().resolve(), resuming=recorded is not None
            )
            if recorded is not None and recorded.head:
                repo = Repository(repo.top, repo.git_dir, recorded.head, recorded.branch)
            trees, committed = cls._plan(session_id, session_dir, wanted, recorded_trees or {})
            fresh = [t.branch for n, t in trees.items() if n not in committed]
            taken = await asyncio.to_thread(taken_branches, git, repo, fresh)
            if taken:
                raise WorkspaceProblem(
                    f"{repo.top}: branch {named(taken, 2)} already exists; "
                    "another session's branches would be taken over"
                )
            # Worktrees whose folders are gone (a deleted session, a crash) are forgotten.
            await asyncio.to_thread(git.run, ["worktree", "prune"], cwd=repo.top)
            leftovers = await asyncio.to_thread(_leftovers, git, repo, session_id)
        except (GitError, WorkspaceProblem) as exc:
            where = str(path) if path is not None else None
            emit(WorkspaceRefused(repo=where, reason=str(exc), stopped=asked))
            if asked:
                raise WorkspaceStop(str(exc)) from None
            return None
        if recorded is None:
            emit(
                WorkspaceOpened(
                    repo=str(repo.top),
                    head=repo.head,
                    branch=repo.branch,
                    git_version=git.version_text,
                    asked=asked,
                    setup=config.setup,
                    leftovers=leftovers,
                )
            )
        return cls(
            git,
            repo,
            session_id=session_id,
            session_dir=session_dir,
            emit=emit,
            trees=trees,
            committed=committed,
            setup=config.setup,
        )

    @staticmethod
    def _plan(
        session_id: str,
        session_dir: Path,
        wanted: list[str],
        recorded: Mapping[str, WorktreeState],
    ) -> tuple[dict[str, wt.Worktree], dict[str, str]]:
        """Each wanted agent's worktree (its recorded one on resume), and the tips of those
        made before."""
        trees: dict[str, wt.Worktree] = {}
        committed: dict[str, str] = {}
        used: set[str] = set()
        for name in wanted:
            before = recorded.get(name)
            if before is not None and before.branch and before.path:
                agent_slug = Path(before.path).name
            else:
                base_slug = agent_slug = slug(name)
                n = 1
                while agent_slug in used:
                    n += 1
                    agent_slug = f"{base_slug}-{n}"
            used.add(agent_slug)
            tree = wt.Worktree(
                agent=name,
                slug=agent_slug,
                path=session_dir / wt.WORKTREES / agent_slug,
                objects=session_dir / wt.OBJECTS / agent_slug,
                branch=wt.branch_name(session_id, agent_slug),
            )
            if before is not None and before.branch and before.path:
                tree.base = before.base
                tree.diff_base = before.diff_base or before.base
                tree.providers = list(before.providers)
                tree.copied = list(before.copied)
                committed[name] = before.commit or before.base
            trees[name] = tree
        return trees, committed

    # --- an agent's way through -------------------------------------------------------------

    async def _git(self, work: Callable[..., T], *args: object, alone: bool = False) -> T:
        """WORK in a thread. Agents' commits run side by side (each touches its own worktree,
        index and branch); making worktrees (ALONE) does not: `git worktree add` reads the
        other worktrees' folders, and one half made makes it fail."""
        if not alone:
            return await asyncio.to_thread(work, *args)
        async with self._making:
            return await asyncio.to_thread(work, *args)

    def wants(self, name: str) -> bool:
        return name in self.trees

    async def enter(
        self, name: str, providers: list[str], run_setup: SetupRunner | None = None
    ) -> wt.Placement | None:
        """Make (or take up again) NAME's worktree, its base merging its PROVIDERS' branches
        (those that ended), and run the setup command in a new one; None when NAME works in the
        session folder. `WorkspaceProblem` (recorded) when it cannot start: its providers' work
        conflicts, git failed, its setup failed."""
        tree = self.trees.get(name)
        if tree is None:
            return None
        tips = [self._committed[p] for p in providers if p in self._committed and p != name]
        merged_from = [p for p in providers if p in self._committed and p != name]
        reused = name in self._made
        try:
            if reused:
                await self._git(self._take_up, tree, tips, alone=True)
            else:
                await self._git(self._make, tree, tips, alone=True)
        except WorkspaceProblem as exc:
            stage = "merge" if exc.files else "create"
            self._emit(WorktreeFailed(agent=name, stage=stage, reason=str(exc), files=exc.files))
            raise
        except (GitError, OSError) as exc:
            self._emit(WorktreeFailed(agent=name, stage="create", reason=str(exc)))
            raise WorkspaceProblem(f"its worktree could not be made: {exc}") from None
        self._made.add(name)
        self._committed.setdefault(name, tree.base)
        tree.providers = merged_from
        self._emit(
            WorktreeCreated(
                agent=name,
                path=f"{wt.WORKTREES}/{tree.slug}",
                branch=tree.branch,
                base=tree.base,
                providers=merged_from,
                copied=tree.copied,
                reused=reused,
            )
        )
        if not reused and self.setup and run_setup is not None:
            status, why = await run_setup(self.setup, tree.path)
            self._emit(
                WorktreeSetup(agent=name, command=self.setup, exit_status=status, reason=why)
            )
            if why is not None:
                self._emit(WorktreeFailed(agent=name, stage="setup", reason=why))
                raise WorkspaceProblem(f"[workspace] setup {self.setup!r}: {why}")
        return wt.placement(self.repo, tree, self.session_id)

    def _merge(self, tree: wt.Worktree, commits: list[str]) -> str:
        """The commit holding all of COMMITS (the repository's HEAD when there are none)."""
        if not commits:
            return self.repo.head
        message = f"swarmtui: {tree.agent} starts from the work of the agents it waited for"
        result: Combined = combine(self.git, self.repo.top, commits, message)
        if result.commit is None:
            theirs = next(
                (n for n, c in self._committed.items() if c == result.conflicting), "another"
            )
            raise WorkspaceProblem(
                f"the work of the agents it waited for conflicts ({theirs}'s branch with the "
                f"others) in {named(result.conflicts, 5)}; it did not start",
                result.conflicts,
            )
        return result.commit

    def _make(self, tree: wt.Worktree, tips: list[str]) -> None:
        base = self._merge(tree, tips)
        wt.create(self.git, self.repo, tree, base)
        tree.copied = copy_included(self.git, self.repo.top, tree.path)

    def _take_up(self, tree: wt.Worktree, tips: list[str]) -> None:
        """A retry or a resume: keep what the worktree holds, bring in its providers' new work."""
        git, repo = self.git, self.repo
        if not tree.path.is_dir():
            git.run(["worktree", "prune"], cwd=repo.top)
            git.run(["worktree", "add", "--quiet", str(tree.path), tree.branch], cwd=repo.top)
        tree.objects.mkdir(parents=True, exist_ok=True)
        message = f"{tree.agent}: work left by an earlier run, committed by swarmtui"
        wt.finish(git, repo, tree, message)
        tip = wt.tip_of(git, repo, tree.branch) or tree.base
        new = [c for c in tips if not is_ancestor(git, repo.top, c, tip)]
        if new:
            wt.fast_forward(git, tree, self._merge(tree, [tip, *new]))
        tree.diff_base = self._merge(tree, tips)

    async def leave(self, name: str, status: str) -> list[str]:
        """Commit what NAME did on its branch and keep its diff (`agent_committed`); notes to
        show. `WorkspaceProblem` (recorded) when its work could not be committed."""
        tree = self.trees.get(name)
        if tree is None or name not in self._made:
            return []
        message = f"{name}: its work, committed by swarmtui when it ended ({status})"
        try:
            done = await self._git(wt.finish, self.git, self.repo, tree, message)
        except (GitError, OSError, WorkspaceProblem) as exc:
            self._emit(WorktreeFailed(agent=name, stage="commit", reason=str(exc)))
            raise WorkspaceProblem(f"its work could not be committed: {exc}") from None
        self._committed[name] = done.commit
        patch: str | None = None
        if done.patch:
            patch = f"{wt.DIFFS}/{tree.slug}.patch"
            try:
                await asyncio.to_thread(write_fenced, self.session_dir, patch, done.patch)
            except OSError:
                patch = None
        self._emit(
            AgentCommitted(
                agent=name,
                branch=tree.branch,
                commit=done.commit,
                base=tree.diff_base,
                commits=done.commits,
                committed_rest=done.committed_rest,
                added=done.added,
                removed=done.removed,
                files=done.files,
                more_files=done.more_files,
                patch=patch,
                notes=done.notes,
            )
        )
        return done.notes
