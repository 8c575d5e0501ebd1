"""Agents in worktrees that follow the dependency graph: parallel agents never clobber each
other, a dependant starts from its providers' work, a conflict between providers fails the
dependant before it runs, and an agent's own commits are kept."""

from __future__ import annotations

import os
from pathlib import Path

from .helpers import FILE, batch_in, make_repo, run_batch, settings


async def test_two_agents_edit_the_same_file_at_once_without_clobbering(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(
        repo,
        'Task("left", "Edit line one.", {type: "coder"})\n'
        'Task("right", "Edit line four.", {type: "coder"})\n',
    )
    # A rendezvous: each blocks on the FIFO until the other has opened it, so both run at once.
    meet = tmp_path / "meet"
    meet.mkdir()
    os.mkfifo(meet / "pipe")
    script = (
        f'case "$SWARM_AGENT" in '
        f"left) sed -i s/one/LEFT/ f.txt; echo hello > {meet}/pipe;; "
        f"right) sed -i s/four/RIGHT/ f.txt; cat {meet}/pipe;; "
        "esac; echo done"
    )
    ran = await run_batch(batch, tmp_path / "sessions", settings(script, writable=(str(meet),)))
    assert ran.state.status == "completed", [(a.name, a.reason) for a in ran.state.agents.values()]
    assert "hello" in ran.output("right")  # (they met: they ran at the same time)
    left, right = ran.branch("left"), ran.branch("right")
    assert repo.show(left, "f.txt") == FILE.replace("one", "LEFT").rstrip("\n")
    assert repo.show(right, "f.txt") == FILE.replace("four", "RIGHT").rstrip("\n")
    # The user's branch and working tree are as they were.
    assert repo.show("main", "f.txt") == FILE.rstrip("\n")
    assert (repo.path / "f.txt").read_text() == FILE
    assert repo.status() == ""
    for name in ("left", "right"):
        tree = ran.state.agents[name].worktree
        assert tree is not None and tree.path == f"worktrees/{name}"
        assert [f.path for f in tree.files] == ["f.txt"] and (tree.added, tree.removed) == (1, 1)


async def test_a_tester_that_waits_for_a_coder_starts_from_its_work(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(
        repo,
        'Task("coder", "Write the code.", {type: "coder"})\n'
        'Task("tester", "Test it.", {type: "tester", dependsOn: ["coder"]})\n',
    )
    script = (
        'case "$SWARM_AGENT" in coder) printf "def f():\\n    return 42\\n" > code.py;; '
        "tester) cat code.py; echo ok > tested.txt;; esac; echo done"
    )
    ran = await run_batch(batch, tmp_path / "sessions", settings(script))
    assert ran.state.status == "completed"
    assert "return 42" in ran.output("tester")
    coder, tester = ran.branch("coder"), ran.branch("tester")
    assert repo.is_ancestor(coder, tester)
    created = ran.of("worktree_created", agent="tester")[0]
    assert created.providers == ["coder"] and created.base == repo.tip(coder)
    # The tester's diff is its own work only, the coder's is not in it.
    tree = ran.state.agents["tester"].worktree
    assert tree is not None and [f.path for f in tree.files] == ["tested.txt"]


async def test_a_conflict_between_providers_fails_the_dependant_before_it_runs(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(
        repo,
        'Task("a", "Rewrite line two.", {type: "coder"})\n'
        'Task("b", "Rewrite line two too.", {type: "coder"})\n'
        'Task("tester", "Test.", {type: "tester", dependsOn: ["a", "b"]})\n',
    )
    script = (
        'case "$SWARM_AGENT" in a) sed -i s/two/AAA/ f.txt;; b) sed -i s/two/BBB/ f.txt;; '
        "tester) echo TESTER RAN;; esac; echo done"
    )
    ran = await run_batch(batch, tmp_path / "sessions", settings(script))
    tester = ran.state.agents["tester"]
    assert tester.status == "failed"
    assert "f.txt" in (tester.reason or "") and "did not start" in (tester.reason or "")
    failed = ran.of("worktree_failed", agent="tester")
    assert len(failed) == 1 and failed[0].stage == "merge" and failed[0].files == ["f.txt"]
    assert "TESTER RAN" not in ran.output("tester")  # its program never started
    assert not ran.of("worktree_created", agent="tester")
    assert repo.branches() == sorted([ran.branch("a"), ran.branch("b")])
    assert ran.state.agents["a"].status == ran.state.agents["b"].status == "done"


async def test_an_agents_own_commits_are_kept_and_the_rest_is_committed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, 'Task("coder", "Work.", {type: "coder"})\n')
    script = (
        "echo first > first.txt && git add first.txt && git commit -q -m 'my own commit' "
        "&& echo second > second.txt; echo done"
    )
    ran = await run_batch(batch, tmp_path / "sessions", settings(script))
    assert ran.state.status == "completed", ran.state.agents["coder"].reason
    branch = ran.branch("coder")
    log = repo.git("log", "--format=%an|%s", f"main..{branch}").splitlines()
    assert log == [
        "swarmtui agent coder|coder: its work, committed by swarmtui when it ended (done)",
        "swarmtui agent coder|my own commit",
    ]
    committed = ran.of("agent_committed", agent="coder")[0]
    assert committed.commits == 2 and committed.committed_rest
    assert sorted(f.path for f in committed.files) == ["first.txt", "second.txt"]
    # Its objects came into the repository through git, which finds it whole.
    repo.git("fsck", "--no-dangling")
    assert not any((ran.path / "worktree-objects" / "coder").rglob("*.pack"))
    patch = (ran.path / "artifacts" / "diffs" / "coder.patch").read_text()
    assert "+first" in patch and "+second" in patch


async def test_a_sandboxed_agent_cannot_touch_the_repository_beyond_its_branch(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, 'Task("rogue", "Misbehave.", {type: "coder"})\n')
    main_before = repo.tip("main")
    script = (
        'common="$(git rev-parse --git-common-dir)"; '
        'rm -rf "$common/objects" 2>/dev/null; '
        "git commit -q --allow-empty -m mine; "
        'git update-ref refs/heads/main HEAD 2>/dev/null || echo "main refused"; '
        f"echo planted > {repo.path}/planted.txt 2>/dev/null; "
        "echo tried"
    )
    ran = await run_batch(batch, tmp_path / "sessions", settings(script))
    assert ran.state.agents["rogue"].status == "done"
    assert "main refused" in ran.output("rogue")
    assert repo.tip("main") == main_before
    assert repo.git("log", "-1", "--format=%s", ran.branch("rogue")) == "mine"
    assert not (repo.path / "planted.txt").exists()
    repo.git("fsck", "--no-dangling")  # every object is still there
