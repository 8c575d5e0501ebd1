"""The write fence (§6): no `..`, absolute path, symbolic or hard link ever writes outside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from swarmtui.batch.lint import BATCH_WRITER
from swarmtui.batch.models import BashOp, WriteOp
from swarmtui.engine.fence import FenceError, open_fenced_folder, write_fenced, write_fenced_in
from swarmtui.engine.summary import skipped_summary

from .helpers import REAL, messages, run


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "target.txt").write_text("original")
    return folder


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


async def test_writes_that_escape_are_refused_and_write_nothing(
    tmp_path: Path, outside: Path
) -> None:
    before = _snapshot(outside)
    setup = (
        f"ln -s {outside} artifacts/linkdir && ln -s {outside}/target.txt artifacts/link.txt"
        f" && ln -s {outside} tricky && ln {outside}/target.txt artifacts/hard.txt 2>/dev/null;"
        " true"
    )
    escapes = [
        "../escape.txt",
        "artifacts/../../escape.txt",
        f"{outside}/abs.txt",
        "/etc/swarmtui-test.txt",
        "artifacts/linkdir/through-dir.txt",
        "artifacts/link.txt",
        "tricky/deeper/file.txt",
        "artifacts/hard.txt",
    ]
    batch = messages(
        [BashOp(index=0, command=setup)],
        [WriteOp(index=i + 1, path=p, content="PWNED") for i, p in enumerate(escapes)]
        + [WriteOp(index=99, path="docs/ok.md", content="fine")],
    )
    r = await run(batch, tmp_path, **REAL)
    assert _snapshot(outside) == before
    assert not (tmp_path / "escape.txt").exists()
    assert not Path("/etc/swarmtui-test.txt").exists()
    refused = {op for op, kind, _ in r.state.skipped if kind == "write"}
    hard = r.session.path / "artifacts" / "hard.txt"
    # (a hard link needs the same filesystem, and the sandboxed setup cannot see OUTSIDE: then
    # write 8 is an ordinary new file inside the session folder)
    hard_link_made = hard.exists() and hard.samefile(outside / "target.txt")
    expected = set(range(1, len(escapes) + 1))
    if not hard_link_made:
        expected.discard(len(escapes))
    assert expected <= refused
    # Each is listed with its path, and the failed session says why.
    listed = {s["op"]: s for s in skipped_summary(r.state)}
    assert all(listed[op]["subject"] == escapes[op - 1] for op in expected)
    assert r.state.status == "failed"
    assert r.state.reason is not None and r.state.reason.startswith("write op 1 (../escape.txt)")
    assert (r.session.path / "docs" / "ok.md").read_text() == "fine"
    made = [] if hard_link_made else [("artifacts/hard.txt", 5, BATCH_WRITER, None)]
    assert r.state.files == [*made, ("docs/ok.md", 4, BATCH_WRITER, None)]


def test_write_fenced_refuses_links_on_any_component(tmp_path: Path, outside: Path) -> None:
    session = tmp_path / "s"
    (session / "a").mkdir(parents=True)
    os.symlink(outside, session / "a" / "b")
    for relative in ["a/b/c.txt", "a/b", "../x", "/abs", "a/../../x", ""]:
        with pytest.raises(FenceError):
            write_fenced(session, relative, b"x")
    assert _snapshot(outside) == {"target.txt": "original"}
    assert write_fenced(session, "a/new/deep.txt", b"ok") == 2
    assert (session / "a" / "new" / "deep.txt").read_bytes() == b"ok"


@pytest.mark.parametrize("threads", [1, 3])
async def test_the_file_threads_write_everything_and_hand_back_refusals(
    tmp_path: Path, outside: Path, threads: int
) -> None:
    import asyncio

    from swarmtui.engine.filewriter import FencedWriter

    session = tmp_path / "session"
    (session / "artifacts").mkdir(parents=True)
    os.symlink(outside, session / "artifacts" / "link")
    writer = FencedWriter(threads=threads)
    futures = [
        writer.write(session, f"artifacts/r{i}.md", f"report {i}".encode()) for i in range(50)
    ]
    refused = writer.write(session, "artifacts/link/target.txt", b"escaped")
    sizes = await asyncio.gather(*futures)
    assert sizes == [len(f"report {i}") for i in range(50)]
    assert [(session / f"artifacts/r{i}.md").read_text() for i in range(50)] == [
        f"report {i}" for i in range(50)
    ]
    with pytest.raises(FenceError):
        await refused
    assert _snapshot(outside) == {"target.txt": "original"}
    # A write after the queue has drained is served too (the threads wait, they do not end).
    assert await writer.write(session, "artifacts/again.md", b"x") == 1


def test_a_planted_fifo_is_refused_at_once(tmp_path: Path) -> None:
    session = tmp_path / "s"
    (session / "artifacts").mkdir(parents=True)
    os.mkfifo(session / "artifacts" / "report.md")
    with pytest.raises(FenceError, match="not a plain file"):
        write_fenced(session, "artifacts/report.md", b"x")
    folder = open_fenced_folder(session, "artifacts")
    try:
        with pytest.raises(FenceError, match="not a plain file"):
            write_fenced_in(folder, "report.md", b"x")
        assert write_fenced_in(folder, "fresh.md", b"abc") == 3
    finally:
        os.close(folder)
    assert (session / "artifacts" / "fresh.md").read_bytes() == b"abc"


async def test_a_bash_cwd_naming_the_session_folder_runs_there_as_lint_accepts(
    tmp_path: Path,
) -> None:
    """Issue 11.10: `{cwd: "."}` passed lint but was refused at run time; both accept it now
    (and anything that resolves to the session folder), and it runs in the session folder."""
    from swarmtui.batch import parse_batch

    text = (
        "[Single Message - Cwd]:\n"
        'Bash("pwd > here-dot.txt", {cwd: "."})\n'
        'Bash("pwd > here-up.txt", {cwd: "./artifacts/.."})\n'
    )
    batch = parse_batch(text)
    assert [d for d in batch.diagnostics if d.severity.value == "error"] == []
    r = await run(batch, tmp_path, **REAL)
    assert r.state.status == "completed", r.state.skipped
    session = r.session.path.resolve()
    for name in ("here-dot.txt", "here-up.txt"):
        assert (session / name).read_text().strip() == str(session)
