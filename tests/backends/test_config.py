"""`swarmtui.toml`: errors name file, key and expectation; layers merge; `swarmtui config`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui.commands.settings import build_run_settings, resolve_sessions_dir
from swarmtui.config import AgentTypeOverride, ConfigError, Price, load_config


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('backend = "gpt"', "backend", "expected one of rehearsal, command, openai, claude"),
        ("max_parallel = 0", "max_parallel", "greater than or equal to 1"),
        ('[backends.openai]\nmodle = "x"', "backends.openai.modle", "unknown key"),
        ('colour = "red"', "colour", "unknown key"),
        ('[prices.m]\ninput = "cheap"\noutput = 1', "prices.m.input", "a valid number"),
        ("[prices.m]\ninput = 1", "prices.m.output", "required key missing"),
        ("budget_usd = -1", "budget_usd", "greater than or equal to 0"),
        ('[agent_types.coder]\nbackend = "gemini"', "agent_types.coder.backend", "one of"),
        ("[backends.claude]\nextra_args = 3", "backends.claude.extra_args", "a valid list"),
        (
            '[backends.openai]\nbase_url = "http://127.0.0.1:99999/v1"',
            "backends.openai.base_url",
            "the port must be a number from 1 to 65535",
        ),
        ('[backends.openai]\nbase_url = "localhost:8080"', "backends.openai.base_url", "http://"),
        # (it said "Input is not a valid path for <class 'pathlib.Path'>")
        ("sessions_dir = 5", "sessions_dir", "expected a path, as text (got 5)"),
        ('[workspace]\nrepo = ["."]', "workspace.repo", "expected a path, as text"),
    ],
)
def test_bad_values_name_file_key_and_expectation(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    path = _write(tmp_path / "swarmtui.toml", text)
    with pytest.raises(ConfigError) as error:
        load_config(project_dir=tmp_path)
    message = str(error.value)
    assert message.startswith(f"{path}: {key}: ")
    assert expected in message and "\n" not in message
    assert "<class" not in message


def test_toml_syntax_and_missing_files(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.toml", "backend = [")
    with pytest.raises(ConfigError, match=f"^{bad}: is not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")


def test_a_key_pasted_into_api_key_env_is_not_echoed(tmp_path: Path) -> None:
    _write(tmp_path / "swarmtui.toml", '[backends.openai]\napi_key_env = "sk-live-abc123 xyz"')
    with pytest.raises(ConfigError) as error:
        load_config(project_dir=tmp_path)
    assert "sk-live-abc123" not in str(error.value)
    assert "name of an environment variable" in str(error.value)


def test_layers_merge_key_by_key_and_record_their_source(tmp_path: Path) -> None:
    user = _write(
        Path(os.environ["SWARMTUI_CONFIG_DIR"]) / "swarmtui.toml",
        'backend = "openai"\nmax_parallel = 2\n[backends.openai]\n'
        'base_url = "http://user/v1"\nmodel = "user-model"\n',
    )
    project = _write(
        tmp_path / "swarmtui.toml",
        'max_parallel = 5\nsessions_dir = "runs"\n[backends.openai]\nmodel = "project-model"\n'
        '[agent_types.coder]\nbackend = "claude"\nmodel = "sonnet"\n'
        "[prices.project-model]\ninput = 1.0\noutput = 2.0\n",
    )
    loaded = load_config(project_dir=tmp_path)
    config = loaded.config
    assert loaded.files == [user, project]
    assert config.backend == "openai" and loaded.source("backend") == str(user)
    assert config.max_parallel == 5 and loaded.source("max_parallel") == str(project)
    assert config.backends.openai.base_url == "http://user/v1"
    assert config.backends.openai.model == "project-model"
    assert loaded.source("backends.openai.model") == str(project)
    assert loaded.source("backends.openai.timeout") == "default"
    assert config.sessions_dir == tmp_path / "runs"  # relative to the file that says it

    settings = build_run_settings({}, project_dir=tmp_path)
    assert (settings.backend, settings.model, settings.max_parallel) == (
        "openai",
        "project-model",
        5,
    )
    assert settings.base_url == "http://user/v1"
    assert settings.agent_types == {"coder": AgentTypeOverride(backend="claude", model="sonnet")}
    assert settings.prices == {"project-model": Price(input=1.0, output=2.0)}
    assert settings.backends.openai.timeout == 600.0

    flags = {"max_parallel": 9, "model": "flag-model", "base_url": None, "sessions_dir": None}
    settings = build_run_settings(flags, project_dir=tmp_path)
    assert (settings.max_parallel, settings.model) == (9, "flag-model")
    assert resolve_sessions_dir({}, project_dir=tmp_path) == tmp_path / "runs"
    assert resolve_sessions_dir({"sessions_dir": tmp_path / "x"}) == tmp_path / "x"


def test_backend_flag_brings_that_backends_model(tmp_path: Path) -> None:
    _write(
        tmp_path / "swarmtui.toml",
        'backend = "openai"\n[backends.openai]\nmodel = "gpt"\n[backends.claude]\nmodel = "opus"\n',
    )
    settings = build_run_settings({"backend": "claude"}, project_dir=tmp_path)
    assert (settings.backend, settings.model) == ("claude", "opus")


def test_config_flag_replaces_the_project_file(tmp_path: Path) -> None:
    _write(tmp_path / "swarmtui.toml", "max_parallel = 3")
    other = _write(tmp_path / "other.toml", "budget_usd = 1.5")
    settings = build_run_settings({"config_file": other}, project_dir=tmp_path)
    assert settings.budget_usd == 1.5 and settings.max_parallel is None


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "swarmtui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_config_command_prints_values_sources_and_key_status_never_keys(tmp_path: Path) -> None:
    project = _write(
        tmp_path / "swarmtui.toml",
        'backend = "openai"\ntheme = "swarm-light"\n[keymap]\nrun = "f10"\n'
        '[backends.openai]\napi_key_env = "MY_KEY"\n',
    )
    secret = "sk-config-test-5f1e2d"
    result = _cli("config", "--json", cwd=tmp_path, env={"MY_KEY": secret})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == [str(project)]
    assert report["values"]["theme"] == {"value": "swarm-light", "source": str(project)}
    assert report["values"]["keymap.run"] == {"value": "f10", "source": str(project)}
    assert report["values"]["max_parallel"] == {"value": None, "source": "default"}
    assert report["secrets"]["openai"] == {"env": "MY_KEY", "set": True}
    assert report["secrets"]["claude"] == {"env": "ANTHROPIC_API_KEY", "set": False}

    text = _cli("config", cwd=tmp_path, env={"MY_KEY": secret})
    assert 'backend = "openai"' in text.stdout and f"# {project}" in text.stdout
    assert "MY_KEY is set" in text.stdout
    assert secret not in text.stdout + result.stdout


def test_broken_config_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path / "swarmtui.toml", "max_parallel = 'many'")
    _write(tmp_path / "hi.swarm.js", 'Task("A", "Say hi.", "general")\n')
    # `config`, a headless run, and the app (which stops before it starts its screen).
    for args in (("config",), ("run", "hi.swarm.js", "--headless"), ("hi.swarm.js",)):
        result = _cli(*args, cwd=tmp_path)
        assert result.returncode in (1, 2), args
        assert "Traceback" not in result.stderr
        assert f"{path}: max_parallel: expected a valid integer" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_command_backend_runs_from_configuration_alone(tmp_path: Path) -> None:
    _write(
        tmp_path / "swarmtui.toml",
        'backend = "command"\n[backends.command]\ntemplate = "echo configured {agent}"\n',
    )
    _write(tmp_path / "hi.swarm.js", 'Task("Greeter", "Say hi.", "general")\n')
    result = _cli("run", "hi.swarm.js", "--headless", "--json", "--sessions-dir", "s", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (agent,) = json.loads(result.stdout)["state"]["agents"]
    assert (agent["status"], agent["backend"]) == ("done", "command")
    assert agent["result"].strip() == "configured Greeter"


def test_a_config_saved_by_notepad_is_read_by_its_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "swarmtui.toml"
    text = "max_parallel = 5\n"
    for data in (b"\xef\xbb\xbf" + text.encode("utf-8"), b"\xff\xfe" + text.encode("utf-16-le")):
        path.write_bytes(data)
        assert load_config(path).config.max_parallel == 5
    path.write_bytes(b"max_parallel = \xff\n")
    with pytest.raises(ConfigError, match=r"is not UTF-8 text \(byte 0xff at offset 15\)"):
        load_config(path)
