"""`swarmtui.toml`: the configuration model, where it is read from, and how the layers merge.

Layers, lowest first: built-in defaults < the user's config folder < the project's `swarmtui.toml`
(or the file given with `--config`, which replaces it) < command-line flags. The project file beats
the user file because it travels with the batches it was written for; flags beat both because they
are what the user typed just now. Tables merge key by key, so a project file that sets only
`[backends.openai] model` keeps the user's `base_url`.

Secrets are never read from these files: a backend names the environment variable holding its key.

`[sandbox]`, `[permissions]` and `[notify]` are the models of `swarmtui.policy.tables`, checked per
file with their own one-line errors (a bad rule is named with its file and key). One exception to
"key by key": the rule lists of `[permissions]` (`allow`, `deny`, `ask`, also per agent type) add
up across files, so a project file can never drop the rules, above all the denials, of the user's.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from swarmtui import locations
from swarmtui.backend_names import BACKEND_NAMES, BackendName
from swarmtui.executor_address import AddressError, parse_executor
from swarmtui.policy.tables import (
    ConfineConfigError,
    NotifyConfig,
    PermissionsConfig,
    SandboxConfig,
    validate_table,
)
from swarmtui.text_files import NotText, decode_text

DEFAULT_SOURCE = "default"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """A configuration file cannot be used; the message names the file, the key and the expectation.

    `str(error)` is the one line to show; the CLI turns it into a usage error.
    """

    def __init__(self, file: Path | str, message: str, key: str | None = None) -> None:
        self.file = str(file)
        self.key = key
        where = f"{self.file}: {key}: " if key else f"{self.file}: "
        super().__init__(where + message)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _check_env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError(
            "expected the name of an environment variable such as MY_API_KEY "
            "(the key itself never goes in a file)"
        )
    return value


EnvName = Annotated[str | None, AfterValidator(_check_env_name)]


def base_url_problem(url: str) -> str | None:
    """Why URL cannot be a server's base URL (for a one-line error before any run), else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"{url!r}: the port must be a number from 1 to 65535"
    if parts.scheme not in ("http", "https"):
        return f"{url!r}: expected an http:// or https:// URL"
    if not parts.hostname:
        return f"{url!r}: expected a host, as in http://127.0.0.1:8080/v1"
    if port == 0:
        return f"{url!r}: the port must be a number from 1 to 65535"
    return None


def _check_base_url(value: str | None) -> str | None:
    problem = None if value is None else base_url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


BaseUrl = Annotated[str | None, AfterValidator(_check_base_url)]


class OpenAIOptions(_Strict):
    """`[backends.openai]`: any OpenAI-compatible chat-completions server."""

    base_url: BaseUrl = None
    model: str | None = None
    # Name of the variable holding the key; OPENAI_API_KEY when unset.
    api_key_env: EnvName = None
    timeout: float = Field(default=600.0, gt=0, description="seconds allowed for one request")
    connect_timeout: float = Field(default=10.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=20)
    retry_backoff: float = Field(default=1.0, ge=0, description="first retry delay; doubles")
    max_retry_wait: float = Field(default=60.0, ge=0, description="cap on any one retry delay")
    max_tokens: int | None = Field(default=None, gt=0)
    temperature: float | None = Field(default=None, ge=0, le=2)
    # Stop sequences (the API's `stop`): an answer that reaches one is complete.
    stop: list[str] = Field(default_factory=list, max_length=4)
    # When a stream reports no usage, ask the server's tokenizer endpoint (llama.cpp) to count.
    count_with_tokenizer: bool = True
    # Requests sent to the server at once (more agents wait for it, shown as waiting for the
    # server). Unset: learned from the server where it says (llama.cpp's slots), else no limit.
    max_parallel: int | None = Field(default=None, ge=1)
    # Before the first agent: does the server answer, serve the model, accept the key?
    preflight: bool = True


class ClaudeOptions(_Strict):
    """`[backends.claude]`: the Claude Code CLI in headless mode."""

    executable: str = "claude"
    model: str | None = None
    extra_args: list[str] = Field(default_factory=list)
    # Passed to the CLI as ANTHROPIC_API_KEY when set; otherwise the CLI uses its own login.
    api_key_env: EnvName = None


class CommandOptions(_Strict):
    """`[backends.command]`: any program, run once per agent."""

    template: str | None = None
    # Keep the program's standard input open after the prompt, so messages sent to the agent
    # reach it (a line each); off, standard input ends after the prompt (programs that read
    # it to its end need that).
    keep_stdin_open: bool = False


class EndpointOptions(_Strict):
    """`[endpoints."BASE_URL"]`: one server's own limits (beats `[backends.openai]`)."""

    max_parallel: int | None = Field(default=None, ge=1)


def _check_endpoints(value: dict[str, EndpointOptions]) -> dict[str, EndpointOptions]:
    for url in value:
        problem = base_url_problem(url)
        if problem:
            raise ValueError(f"[endpoints] names servers by base URL: {problem}")
    return {url.rstrip("/"): options for url, options in value.items()}


class AgentCaps(_Strict):
    """`[agent_caps]`: hard caps on every agent; crossing one stops the agent at once."""

    max_tokens: int | None = Field(default=None, ge=1, description="tokens in + out")
    max_cost_usd: float | None = Field(default=None, ge=0)
    timeout: float | None = Field(default=None, gt=0, description="seconds of running")


class BashOptions(_Strict):
    """`[bash]`: how long a batch's `Bash` operation may run (as Claude Code's Bash tool: two
    minutes unless it says otherwise, ten at most), so a command that never ends cannot hold
    the session."""

    timeout: float = Field(default=120.0, gt=0, description="seconds, when it names none")
    max_timeout: float = Field(default=600.0, gt=0, description="seconds, whatever it names")

    @model_validator(mode="before")
    @classmethod
    def _default_capped(cls, data: Any) -> Any:
        # A cap set alone below the built-in default lowers the default with it: the user asked
        # for no command to run longer, and never chose the 120 s that would break it.
        if isinstance(data, dict) and "timeout" not in data:
            cap = data.get("max_timeout")
            default = cls.model_fields["timeout"].default
            if isinstance(cap, int | float) and not isinstance(cap, bool) and 0 < cap < default:
                return {**data, "timeout": cap}
        return data

    @model_validator(mode="after")
    def _default_within_the_cap(self) -> BashOptions:
        if self.timeout > self.max_timeout:
            raise ValueError(f"expected timeout ≤ max_timeout ({self.max_timeout:g})")
        return self


class RehearsalOptions(_Strict):
    """`[backends.rehearsal]`: the offline default."""

    seconds: float | None = Field(default=None, ge=0)


class Backends(_Strict):
    openai: OpenAIOptions = Field(default_factory=OpenAIOptions)
    claude: ClaudeOptions = Field(default_factory=ClaudeOptions)
    command: CommandOptions = Field(default_factory=CommandOptions)
    rehearsal: RehearsalOptions = Field(default_factory=RehearsalOptions)


class AgentTypeOverride(_Strict):
    """`[agent_types.NAME]`: backend and model for every agent of that type, and (with a Dask
    executor) where its agents may run: workers with these `resources` (`{GPU = 1}`), or only
    the `workers` named (addresses or `dask worker --name` names)."""

    backend: BackendName | None = None
    model: str | None = None
    resources: dict[str, float] = Field(default_factory=dict)
    workers: list[str] = Field(default_factory=list)


def _check_executor_address(value: str) -> str:
    try:
        parse_executor(value)
    except AddressError as exc:
        raise ValueError(str(exc)) from None
    return value


class ExecutorOptions(_Strict):
    """`[executor]`: where agents run (see docs/dask.md)."""

    # local, dask-local[:N], dask://HOST:PORT or tls://HOST:PORT (`--executor`).
    address: Annotated[str, AfterValidator(_check_executor_address)] = "local"
    # A plain tcp:// scheduler off this machine's loopback (`--insecure`).
    insecure: bool = False
    # The workers see the session folder at the same path (`--shared-fs`): nothing is shipped.
    shared_fs: bool = False
    # dask-local: agent slots of each local worker (`dask worker --nthreads` elsewhere).
    local_slots: int = Field(default=4, ge=1, le=256)
    tls_ca_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # Bytes of the session's files shipped with an agent, and of changed files brought back.
    ship_limit_mb: float = Field(default=64.0, gt=0)
    return_limit_mb: float = Field(default=64.0, gt=0)
    # Seconds to reach the cluster, and that a worker may take to stop an agent's processes.
    connect_timeout: float = Field(default=10.0, gt=0)
    cancel_timeout: float = Field(default=10.0, gt=0)


class Price(_Strict):
    """USD per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


class WorkspaceConfig(_Strict):
    """`[workspace]`: the git repository agents that edit files work in, a worktree each."""

    # The repository (relative to this file); its problems stop a run. Unset: the batch's own
    # repository, when it is in one (and its problems only mean no worktrees, said so).
    repo: Path | None = None
    # false: agents never get worktrees (unless --repo asks for them).
    worktrees: bool | None = None
    # Run in each new worktree (`npm ci`), confined and by the permission rules, like Bash.
    setup: str | None = Field(default=None, min_length=1)


class Config(_Strict):
    """The whole of `swarmtui.toml`."""

    backend: BackendName = "rehearsal"
    max_parallel: int | None = Field(default=None, ge=1)
    sessions_dir: Path | None = None
    theme: str | None = None
    keymap: dict[str, str] = Field(default_factory=dict)
    budget_usd: float | None = Field(default=None, ge=0)
    # The session's token cap (in + out, every agent): crossing it stops the spending agents.
    max_tokens: int | None = Field(default=None, ge=1)
    agent_caps: AgentCaps = Field(default_factory=AgentCaps)
    bash: BashOptions = Field(default_factory=BashOptions)
    endpoints: Annotated[dict[str, EndpointOptions], AfterValidator(_check_endpoints)] = Field(
        default_factory=dict
    )
    backends: Backends = Field(default_factory=Backends)
    agent_types: dict[str, AgentTypeOverride] = Field(default_factory=dict)
    prices: dict[str, Price] = Field(default_factory=dict)
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    permissions: PermissionsConfig = Field(default_factory=PermissionsConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    executor: ExecutorOptions = Field(default_factory=ExecutorOptions)
    workspace: WorkspaceConfig = Field(default_factory=WorkspaceConfig)


# The tables whose models (and one-line errors) are `swarmtui.policy.tables`'.
_POLICY_TABLES = ("sandbox", "permissions", "notify")
# Rule lists that add up across files instead of the later file replacing the earlier one.
_RULE_LISTS = frozenset({"allow", "deny", "ask"})


class LoadedConfig(BaseModel):
    """The effective configuration, the files it came from, and the source of every value."""

    config: Config
    files: list[Path] = Field(default_factory=list)
    # Dotted key ("backends.openai.model") -> the file that set it, or "default".
    sources: dict[str, str] = Field(default_factory=dict)

    def source(self, key: str) -> str:
        """Where KEY's value came from (a parent table's source when only the table was set)."""
        while key:
            if key in self.sources:
                return self.sources[key]
            key = key.rpartition(".")[0]
        return DEFAULT_SOURCE


# Tables whose entries are user-named (agent types, models, key ids): an entry is one value.
_OPEN_TABLES = ("keymap", "agent_types", "prices", "endpoints")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "no such file") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        text, _ = decode_text(data)  # (Notepad's byte-order mark, or its UTF-16)
        return tomllib.loads(text)
    except NotText as exc:
        raise ConfigError(path, f"is {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"is not valid TOML ({exc})") from None


def _format_error(path: Path, exc: ValidationError) -> ConfigError:
    """The first problem, as `FILE: KEY: expectation`; the count of others when there are more."""
    errors = exc.errors()
    first = errors[0]
    key = ".".join(str(part) for part in first["loc"]) or None
    kind = first["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "literal_error":
        message = f"expected one of {', '.join(BACKEND_NAMES)}"
    elif kind == "missing":
        message = "required key missing"
    elif kind == "path_type":  # (pydantic's own words name a Python class)
        message = "expected a path, as text"
    else:
        message = first["msg"].removeprefix("Value error, ")
        message = message.replace("Input should be ", "expected ", 1)
        if not message.startswith("expected"):
            message = f"expected a valid value: {message}"
    # Echo what was written, except where a user may have pasted a secret by mistake.
    if kind not in ("extra_forbidden", "missing") and not (key or "").endswith("api_key_env"):
        shown = repr(first["input"])
        message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ConfigError(path, message, key)


def _validate_layer(path: Path, raw: dict[str, Any]) -> dict[str, Any]:
    """Check one file on its own, so an error names the file it is in."""
    for table in _POLICY_TABLES:
        if table in raw:
            try:
                validate_table(table, raw[table], path)  # type: ignore[call-overload]
            except ConfineConfigError as exc:
                raise ConfigError(path, exc.message, exc.key) from None
    try:
        Config.model_validate(raw)
    except ValidationError as exc:
        raise _format_error(path, exc) from None
    executor = raw.get("executor")
    if isinstance(executor, dict):  # (its TLS files too are relative to the file)
        files = {
            key: str(_beside(path, value))
            for key, value in executor.items()
            if key.startswith("tls_") and isinstance(value, str)
        }
        raw = {**raw, "executor": {**executor, **files}}
    if isinstance(raw.get("sessions_dir"), str):
        # A relative folder is relative to the file that names it, not to wherever we run.
        raw = {**raw, "sessions_dir": str(_beside(path, raw["sessions_dir"]))}
    workspace = raw.get("workspace")
    if isinstance(workspace, dict) and isinstance(workspace.get("repo"), str):
        raw = {**raw, "workspace": {**workspace, "repo": str(_beside(path, workspace["repo"]))}}
    return raw


def _beside(config_file: Path, value: str) -> Path:
    """VALUE, a path written in CONFIG_FILE: a relative one is relative to that file."""
    folder = Path(value).expanduser()
    return folder if folder.is_absolute() else config_file.parent / folder


def _merge(
    base: dict[str, Any], layer: dict[str, Any], source: str, sources: dict[str, str], prefix: str
) -> None:
    for key, value in layer.items():
        dotted = f"{prefix}{key}"
        open_table = prefix.rstrip(".") in _OPEN_TABLES
        if isinstance(value, dict) and not open_table:
            target = base.setdefault(key, {})
            _merge(target, value, source, sources, dotted + ".")
        elif dotted.startswith("permissions.") and key in _RULE_LISTS and key in base:
            base[key] = [*base[key], *(rule for rule in value if rule not in base[key])]
            sources[dotted] = f"{sources.get(dotted, DEFAULT_SOURCE)} + {source}"
        else:
            base[key] = value
            sources[dotted] = source


def _is_file(path: Path) -> bool:
    """Whether PATH is a file to read; one in a folder that cannot be searched counts as one,
    so that reading it ends in a one-line `ConfigError` instead of a traceback."""
    try:
        return path.is_file()
    except PermissionError:
        return True


def load_config(config_file: Path | None = None, project_dir: Path | None = None) -> LoadedConfig:
    """Read the user's and the project's `swarmtui.toml` (or CONFIG_FILE instead of the project's).

    Missing default files are fine; a missing `config_file` is an error. Raises `ConfigError`.
    """
    layers: list[Path] = []
    user_file = locations.user_config_file()
    if _is_file(user_file):
        layers.append(user_file)
    if config_file is not None:
        layers.append(config_file)
    else:
        project_file = locations.project_config_file(project_dir)
        if _is_file(project_file) and project_file.resolve() != user_file.resolve():
            layers.append(project_file)
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for path in layers:
        raw = _validate_layer(path, _read_toml(path))
        _merge(merged, raw, str(path), sources, "")
    try:
        config = Config.model_validate(merged)
    except ValidationError as exc:  # pragma: no cover - each layer was valid on its own
        raise _format_error(layers[-1], exc) from None
    return LoadedConfig(config=config, files=layers, sources=sources)


def flatten(config: Config) -> dict[str, Any]:
    """Every leaf value by dotted key; an empty table is one entry with value `{}`."""
    out: dict[str, Any] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict) and value:
            for key, item in value.items():
                walk(item, f"{prefix}{key}.")
        else:
            out[prefix.rstrip(".")] = value

    walk(config.model_dump(mode="json"), "")
    return out
