"""The UI's modules import one way: the app builds the main screen, which never imports the app."""

from __future__ import annotations

import ast
from pathlib import Path

import swarmtui.ui

UI = Path(swarmtui.ui.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_screen_or_widget_imports_the_app() -> None:
    modules = [*UI.glob("screens/*.py"), *UI.glob("widgets/*.py")]
    assert any(path.name == "main.py" for path in modules)
    offenders = [path.name for path in modules if "swarmtui.ui.app" in _imports(path)]
    assert offenders == []


def test_the_main_screen_takes_what_it_needs_from_the_app_as_a_typed_context() -> None:
    imports = _imports(UI / "screens" / "main.py")
    assert "swarmtui.ui.session_controller" in imports
    assert "swarmtui.ui.app" not in imports
    assert len((UI / "screens" / "main.py").read_text(encoding="utf-8").splitlines()) < 400
