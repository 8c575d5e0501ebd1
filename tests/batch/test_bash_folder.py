"""SW024: a `Bash` operation whose working folder is outside the session folder — a `cwd` there
(the run skips the operation, as lint now says) or a `cd` out of it in the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui.batch import Severity
from swarmtui.batch.models import BashOp
from swarmtui.batch.paths import cd_outside, folder_outside
from swarmtui.engine.bash import bash_folder

from .conftest import parse


@pytest.mark.parametrize(
    ("command", "leaving"),
    [
        ("cd /repo && npm test", "cd /repo"),
        ('cd "../x y"; ls', 'cd "../x y"'),
        ("cd", "cd"),
        ("cd ~ && ls", "cd ~"),
        ("cd ~/project", "cd ~/project"),
        ("cd $HOME/p && ls", "cd $HOME/p"),
        ("cd ${HOME}", "cd ${HOME}"),
        ("cd app && cd ../..", "cd ../.."),
        ("cd -P ..", "cd -P .."),
        ("FOO=1 cd ..", "FOO=1 cd .."),
        ("pushd /tmp && make", "pushd /tmp"),
        ("make && (cd /etc && ls)", "cd /etc"),
        # Inside: the session folder, a folder in it, there and back, a placeholder folder.
        ("cd app && npm i && cd ..", None),
        ("cd a/b && cd ../..", None),
        ("cd ./src", None),
        ("cd sessions/session-YYYYMMDD-HHMMSS-x/build && make", None),
        ("echo cd /x", None),
        # Where this cannot tell: the analysis stops.
        ("cd $DIR && cd /x", None),
        ("cd - && cd /x", None),
        ("popd && cd /x", None),
    ],
)
def test_cd_outside(command: str, leaving: str | None) -> None:
    assert cd_outside(command) == leaving


@pytest.mark.parametrize(
    ("cwd", "outside"),
    [
        (".", False),
        ("./", False),
        ("build", False),
        ("code/..", False),
        ("sessions/session-YYYYMMDD-HHMMSS-x/build", False),
        ("..", True),
        ("../other", True),
        ("code/../..", True),
        ("/tmp", True),
        ("~/work", True),
    ],
)
def test_a_cwd_outside_is_what_the_run_refuses(tmp_path: Path, cwd: str, outside: bool) -> None:
    assert folder_outside(cwd) is outside
    session = tmp_path / "session-x"
    (session / "build").mkdir(parents=True)
    (session / "code").mkdir()
    _relative, problem = bash_folder(BashOp(index=0, command="ls", cwd=cwd), session)
    assert (problem is not None) is outside, problem  # lint and the run agree


def test_sw024_points_at_the_cd_and_at_the_cwd() -> None:
    batch = parse(
        'Bash("cd /srv/app && make")\n'
        'Bash("ls", {cwd: "../other"})\n'
        'Bash("cd app && make && cd ..", {cwd: "."})\n'
    )
    found = [d for d in batch.diagnostics if d.code == "SW024"]
    assert [(d.line, d.column, d.severity) for d in found] == [
        (1, 6, Severity.WARNING),
        (2, 13, Severity.WARNING),
    ]
    assert found[0].message.startswith("`cd /srv/app` leaves the session folder")
    assert found[1].message.startswith("cwd '../other' is outside the session folder")
    assert "will be skipped" in found[1].message
