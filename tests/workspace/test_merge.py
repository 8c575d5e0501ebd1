"""Merging the agents' branches back after the session: conflicts checked in advance (nothing
touched), merges with and without conflicts, into the current branch only when confirmed and
never over uncommitted changes of the files it changes, or into another branch."""

from __future__ import annotations

import json
from pathlib import Path

from swarmtui.engine.workspace.git import find_git
from swarmtui.engine.workspace.merge import (
    apply_merge,
    check_branches,
    plan_merge,
    resolve_target,
    session_branches,
)
from swarmtui.engine.workspace.repo import WorkspaceProblem

from .helpers import FILE, Ran, Repo, batch_in, cli, make_repo, run_sync, settings

TWO_CODERS = (
    'Task("a", "Edit line one.", {type: "coder"})\nTask("b", "Edit line four.", {type: "coder"})\n'
)


def _session(tmp_path: Path, script: str, text: str = TWO_CODERS) -> tuple[Repo, Ran]:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, text)
    ran = run_sync(batch, tmp_path / "sessions", settings(script))
    assert ran.state.status == "completed"
    return repo, ran


CLEAN = (
    'case "$SWARM_AGENT" in a) sed -i s/one/AAA/ f.txt;; b) sed -i s/four/BBB/ f.txt;; esac; '
    "echo ok"
)
CLASH = (
    'case "$SWARM_AGENT" in a) sed -i s/two/AAA/ f.txt;; b) sed -i s/two/BBB/ f.txt;; esac; echo ok'
)


def test_merge_lists_the_branches_and_changes_nothing(tmp_path: Path) -> None:
    repo, ran = _session(tmp_path, CLEAN)
    main = repo.tip("main")
    listed = cli("merge", str(ran.path), "--json")
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert document["target"] == "main"
    assert [(b["agent"], b["status"], b["commits"]) for b in document["branches"]] == [
        ("a", "clean", 1),
        ("b", "clean", 1),
    ]
    text = cli("merge", str(ran.path)).stdout
    assert "into main (checked out in" in text and "nothing was changed" in text
    # In columns: the agent, what merging it would do, its branch.
    assert text.splitlines()[1:3] == [
        f"  a  merges cleanly (1 commit)  {ran.branch('a')}",
        f"  b  merges cleanly (1 commit)  {ran.branch('b')}",
    ]
    assert repo.tip("main") == main and repo.status() == ""


def test_merge_without_conflicts_into_a_new_branch_leaves_the_working_tree(
    tmp_path: Path,
) -> None:
    repo, ran = _session(tmp_path, CLEAN)
    (repo.path / "notes.txt").write_text("mine, uncommitted\n")
    merged = cli("merge", str(ran.path), "--all", "--into", "for-review")
    assert merged.returncode == 0, merged.stderr
    assert "merged a, b into for-review (a new branch)" in merged.stdout
    assert repo.show("for-review", "f.txt") + "\n" == FILE.replace("one", "AAA").replace(
        "four", "BBB"
    )
    assert repo.is_ancestor(repo.tip(ran.branch("a")), "for-review")
    assert (repo.path / "f.txt").read_text() == FILE  # nothing checked out moved
    assert repo.status() == "?? notes.txt"


def test_merge_into_the_checked_out_branch_only_when_confirmed(tmp_path: Path) -> None:
    repo, ran = _session(tmp_path, CLEAN)
    main = repo.tip("main")
    (repo.path / "notes.txt").write_text("mine, uncommitted\n")
    refused = cli("merge", str(ran.path), "a", "b")  # (no terminal to ask on, no --yes)
    assert refused.returncode == 1
    assert "changes files in" in refused.stderr and "--yes" in refused.stderr
    assert repo.tip("main") == main and (repo.path / "f.txt").read_text() == FILE
    merged = cli("merge", str(ran.path), "a", "b", "--yes")
    assert merged.returncode == 0, merged.stderr
    assert f"1 file changed in {repo.path}" in merged.stdout  # (not "1 files")
    assert (repo.path / "f.txt").read_text() == FILE.replace("one", "AAA").replace("four", "BBB")
    assert repo.is_ancestor(main, "main") and repo.status() == "?? notes.txt"
    again = cli("merge", str(ran.path), "a", "--yes")
    assert again.returncode == 0 and "already" in again.stdout


def test_uncommitted_changes_to_the_files_a_merge_changes_stop_it(tmp_path: Path) -> None:
    repo, ran = _session(tmp_path, CLEAN)
    (repo.path / "f.txt").write_text(FILE + "my line\n")
    main = repo.tip("main")
    refused = cli("merge", str(ran.path), "a", "--yes")
    assert refused.returncode == 1
    assert "uncommitted changes to f.txt" in refused.stderr
    assert (repo.path / "f.txt").read_text() == FILE + "my line\n"
    assert repo.tip("main") == main


def test_a_conflict_between_chosen_branches_merges_nothing(tmp_path: Path) -> None:
    repo, ran = _session(tmp_path, CLASH)
    # Each merges cleanly on its own...
    listed = json.loads(cli("merge", str(ran.path), "--json").stdout)
    assert [b["status"] for b in listed["branches"]] == ["clean", "clean"]
    # ... together they conflict: nothing is merged, and no branch is made.
    merged = cli("merge", str(ran.path), "a", "b", "--into", "both")
    assert merged.returncode == 1
    assert "b's branch" in merged.stderr and "conflicts" in merged.stderr
    assert "f.txt" in merged.stderr
    assert not repo.ok("rev-parse", "--verify", "refs/heads/both")


def test_a_conflict_with_the_target_is_checked_in_advance(tmp_path: Path) -> None:
    repo, ran = _session(tmp_path, CLEAN)
    repo.commit({"f.txt": FILE.replace("one", "mine")}, "the user's own change")
    git = find_git()
    top, branches = session_branches(ran.state, ran.path)
    target = resolve_target(git, top, None)
    checks = check_branches(git, top, target, branches)
    assert [(c.agent, c.status, c.conflicts) for c in checks] == [
        ("a", "conflicts", ["f.txt"]),
        ("b", "clean", []),
    ]
    try:
        plan_merge(git, top, target, branches)
    except WorkspaceProblem as exc:
        assert exc.files == ["f.txt"]
    else:
        raise AssertionError("the conflict was not found")
    plan = plan_merge(git, top, target, [branches[1]])
    try:
        apply_merge(git, top, target, plan, confirmed=False)
    except WorkspaceProblem as exc:
        assert "needs a confirmation" in str(exc)
    else:
        raise AssertionError("the checked-out branch moved without a confirmation")
    result = apply_merge(git, top, target, plan, confirmed=True)
    assert result.merged == ["b"] and result.moved_files == 1
    assert (repo.path / "f.txt").read_text() == FILE.replace("one", "mine").replace("four", "BBB")


def test_merge_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    repo, ran = _session(tmp_path, CLEAN)
    unknown = cli("merge", str(ran.path), "nobody")
    assert unknown.returncode == 2 and "no agent branch named nobody" in unknown.stderr
    bad = cli("merge", str(ran.path), "a", "--into", "no..good")
    assert bad.returncode == 1 and "not a valid branch name" in bad.stderr
    repo.git("checkout", "--quiet", "--detach")
    detached = cli("merge", str(ran.path), "a")
    assert detached.returncode == 1 and "--into BRANCH" in detached.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    batch = plain / "b.swarm.js"
    batch.write_text('Task("x", "Nothing.", "general")\n')
    other = run_sync(batch, tmp_path / "other", settings("echo ok"))
    none = cli("merge", str(other.path))
    assert none.returncode == 2 and "had no git worktrees" in none.stderr
