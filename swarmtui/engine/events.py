"""The one vocabulary of session events: a pydantic discriminated union on `type`.

Every change in a session is one of these. The scheduler emits them, the store appends them to
`session.db`, and the fold (`swarmtui.engine.state.apply`) turns them into a `SessionState`.
`seq` numbers events from 1 in the order they happened; `t` is seconds since the session started.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

AgentStatus = Literal[
    "pending", "queued", "waiting", "running", "done", "failed", "cancelled", "skipped"
]
FinalAgentStatus = Literal["done", "failed", "cancelled", "skipped"]
SessionStatus = Literal["running", "completed", "failed", "cancelled", "interrupted"]
TodoStatus = Literal["pending", "in_progress", "completed"]
TodoPriority = Literal["critical", "high", "medium", "low"]


class EventBase(BaseModel):
    """What every event has: its number in the session and its time."""

    seq: int = 0
    t: float = 0.0


class AgentPlan(BaseModel):
    """What the session knows about an agent before it runs (from the batch)."""

    name: str
    type: str = "general"
    instructions: str = ""
    message: int = 1
    waits: list[str] = Field(default_factory=list)
    stores: list[str] = Field(default_factory=list)
    # key -> agents expected to store it (for "waits for X, stored by Y").
    providers: dict[str, list[str]] = Field(default_factory=dict)
    backend: str | None = None
    model: str | None = None


class MessagePlan(BaseModel):
    index: int
    title: str | None = None


class ForkOrigin(BaseModel):
    """Where a forked session came from: the session, and the point of its recording it was
    forked at (its first `seq` events, up to time `t`)."""

    session_id: str
    path: str  # the source's folder, as it was when forked
    seq: int
    t: float


class BackendOptions(BaseModel):
    """What the session's backend was given besides its name (by flags or the configuration):
    `swarmtui resume` takes the session up with them unless its flags say others."""

    command_template: str | None = None
    base_url: str | None = None
    model: str | None = None  # the session-wide model (of the session's backend)


class SessionStarted(EventBase):
    type: Literal["session_started"] = "session_started"
    session_id: str
    title: str
    backend: str
    backend_options: BackendOptions | None = None
    started_at: str  # ISO 8601, UTC
    max_parallel: int | None = None
    # Why, when max_parallel is the default (no option, configuration or swarm_init set it).
    max_parallel_reason: str | None = None
    topology: str | None = None
    strategy: str | None = None
    messages: list[MessagePlan] = Field(default_factory=list)
    agents: list[AgentPlan] = Field(default_factory=list)
    # Set for a fork (`swarmtui fork`, or F in a replay): the source and the point.
    forked_from: ForkOrigin | None = None


class SessionResumed(EventBase):
    """`swarmtui resume` took the session up again: agents that were done stay done, the rest
    run again. `t` goes on from the last recorded event (the time the session lay dead is not
    counted); `resumed_at` is the wall-clock moment."""

    type: Literal["session_resumed"] = "session_resumed"
    resumed_at: str  # ISO 8601, UTC
    backend: str
    backend_options: BackendOptions | None = None
    max_parallel: int | None = None


class SessionForked(EventBase):
    """A fork takes up the events of its source recorded before this one (copied into its own
    log, after its `session_started`) and goes on from the point with its own batch: the agents
    in `carried` stay done; every other agent runs again from scratch (`again`: why); agents
    and messages the batch no longer has are dropped. `t` is the point's time: the fork's clock
    goes on from it. `files` were copied from the source's folder (`file_problems`: those that
    could not be). `note` says why the source was read only up to here (damaged, interrupted)."""

    type: Literal["session_forked"] = "session_forked"
    forked_at: str  # ISO 8601, UTC: the wall-clock moment
    backend: str
    max_parallel: int | None = None
    carried: list[str] = Field(default_factory=list)
    again: dict[str, str] = Field(default_factory=dict)
    dropped_agents: list[str] = Field(default_factory=list)
    dropped_messages: list[int] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    file_problems: list[str] = Field(default_factory=list)
    note: str | None = None


class SessionFinished(EventBase):
    type: Literal["session_finished"] = "session_finished"
    status: SessionStatus
    reason: str | None = None


class MessageStarted(EventBase):
    type: Literal["message_started"] = "message_started"
    index: int
    title: str | None = None


class MessageFinished(EventBase):
    type: Literal["message_finished"] = "message_finished"
    index: int


class AgentQueued(EventBase):
    type: Literal["agent_queued"] = "agent_queued"
    agent: str


class AgentWaiting(EventBase):
    type: Literal["agent_waiting"] = "agent_waiting"
    agent: str
    keys: list[str]  # the keys still missing


class AgentStarted(EventBase):
    type: Literal["agent_started"] = "agent_started"
    agent: str
    attempt: int = 1
    backend: str | None = None
    model: str | None = None


class AgentOutput(EventBase):
    type: Literal["agent_output"] = "agent_output"
    agent: str
    stream: Literal["stdout", "stderr", "text", "tool", "info"] = "stdout"
    text: str


class AgentRehearsed(EventBase):
    """An agent whose backend would have run something (a program, a model call): in a
    rehearsal nothing ran; this says what would have, where, after waiting for what."""

    type: Literal["agent_rehearsed"] = "agent_rehearsed"
    agent: str
    backend: str  # the backend it would have used
    model: str | None = None
    command: str  # what would have run (bounded)
    cwd: str  # relative to the session folder
    waits: list[str] = Field(default_factory=list)


class AgentUsage(EventBase):
    """Running totals of an agent's token use and cost in its current attempt, as its backend
    reports them (earlier attempts' use stays counted). `estimated`: counted by swarmtui while
    the answer streams (a token per streamed piece, the prompt by its length), until the server
    reports its own figures."""

    type: Literal["agent_usage"] = "agent_usage"
    agent: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = None
    estimated: bool = False


class AgentServerWait(EventBase):
    """The agent's request waits for its server, which takes `limit` requests at a time (its
    configured or learned `max_parallel`): the agent is queued again, not running, until
    `agent_server_slot`. `ahead` is how many requests were running or waiting before it."""

    type: Literal["agent_server_wait"] = "agent_server_wait"
    agent: str
    endpoint: str
    limit: int
    ahead: int = 0


class AgentServerSlot(EventBase):
    """The server took the agent's request: it runs again (its wait was waiting time)."""

    type: Literal["agent_server_slot"] = "agent_server_slot"
    agent: str
    endpoint: str


class EndpointChecked(EventBase):
    """The pre-flight check of a backend's endpoint (a server, an executable) before any agent
    started: whether it can work (`problem` says why not, in one line) and what was learned."""

    type: Literal["endpoint_checked"] = "endpoint_checked"
    backend: str
    endpoint: str
    problem: str | None = None
    detail: str = ""  # what answered: the server's kind, its models, its slots
    max_parallel: int | None = None  # the requests it is sent at once (None: no limit)
    limit_source: str = ""  # "configured", "learned from /props"...


class AgentMessage(EventBase):
    """A message sent to a running agent (the agent detail screen, `swarmtui send`), accepted;
    `delivery` says how its backend passes it on."""

    type: Literal["agent_message"] = "agent_message"
    agent: str
    text: str
    by: str = "user"
    delivery: str = ""


class AgentActivity(EventBase):
    """What an agent's program reports of its work as it goes (Claude Code): its own session
    id, a tool it used, a file it changed."""

    type: Literal["agent_activity"] = "agent_activity"
    agent: str
    backend_session: str | None = None
    tool: str | None = None
    file: str | None = None  # relative to the session folder where it is inside it


CapName = Literal[
    "agent_max_tokens", "agent_max_cost_usd", "session_budget_usd", "session_max_tokens"
]


class CapCrossed(EventBase):
    """A hard cap was crossed: the running agents it concerns are stopped (`stopped`)."""

    type: Literal["cap_crossed"] = "cap_crossed"
    cap: CapName
    limit: float
    value: float
    agent: str | None = None  # the agent whose cap it is (per-agent caps)
    stopped: list[str] = Field(default_factory=list)
    reason: str = ""


class AgentFinished(EventBase):
    type: Literal["agent_finished"] = "agent_finished"
    agent: str
    status: FinalAgentStatus
    reason: str | None = None
    result: str | None = None  # the agent's result text (bounded)
    artifacts: list[str] = Field(default_factory=list)  # paths relative to the session folder


class MemoryStored(EventBase):
    type: Literal["memory_stored"] = "memory_stored"
    key: str
    value: Any = None
    namespace: str = "default"
    ttl: float | None = None
    by: str  # an agent's name, "batch" for a memory operation, "user" for a manual store


class MemoryDeleted(EventBase):
    type: Literal["memory_deleted"] = "memory_deleted"
    key: str
    namespace: str = "default"
    by: str


class MemoryRead(EventBase):
    """A batch memory `retrieve`, `list` or `search`: what was asked and what was there.

    Bounded: at most `MEMORY_READ_KEYS` keys and a `MEMORY_READ_PREVIEW`-character preview of a
    retrieved value (`count` is the whole number of matches)."""

    type: Literal["memory_read"] = "memory_read"
    op: int
    action: Literal["retrieve", "list", "search"]
    key: str | None = None
    pattern: str | None = None
    namespace: str = "default"
    found: list[str] = Field(default_factory=list)
    count: int = 0
    preview: str | None = None  # a retrieved value as JSON, cut to MEMORY_READ_PREVIEW chars
    by: str = "batch"


MEMORY_READ_KEYS = 100
MEMORY_READ_PREVIEW = 500


class TodoChanged(EventBase):
    type: Literal["todo_changed"] = "todo_changed"
    id: str
    content: str
    status: TodoStatus
    priority: TodoPriority = "medium"
    agent: str | None = None
    by: str = "batch"


class BashStarted(EventBase):
    type: Literal["bash_started"] = "bash_started"
    op: int  # the operation's index in the batch
    command: str
    cwd: str = "."  # relative to the session folder


# What set a Bash operation's time limit: its own `timeout`, the default, or the cap.
TimeoutFrom = Literal["operation", "[bash] timeout", "[bash] max_timeout"]


class BashRehearsed(EventBase):
    """A Bash operation that a rehearsal recorded instead of running."""

    type: Literal["bash_rehearsed"] = "bash_rehearsed"
    op: int
    command: str
    cwd: str  # relative to the session folder ("." is the folder itself)
    timeout: float | None = None  # how long it would have been allowed to run
    # What set that limit (None in logs older than this field).
    timeout_from: TimeoutFrom | None = None


class BashOutput(EventBase):
    type: Literal["bash_output"] = "bash_output"
    op: int
    stream: Literal["stdout", "stderr"] = "stdout"
    text: str


class BashFinished(EventBase):
    type: Literal["bash_finished"] = "bash_finished"
    op: int
    exit_status: int | None  # None when it never ran to an exit (timeout, cancel)
    reason: str | None = None


class FileWritten(EventBase):
    type: Literal["file_written"] = "file_written"
    path: str  # relative to the session folder
    bytes: int
    by: str  # an agent's name, or "<batch>" (BATCH_WRITER; "batch" in older logs) for a Write
    # Who wrote the file this one replaced (another agent, or "<batch>"); None: a new file, one
    # its writer wrote before, or a log older than this field.
    replaced: str | None = None


class OperationSkipped(EventBase):
    """An operation that did not run (an error diagnostic, a placeholder, a refused write...)."""

    type: Literal["operation_skipped"] = "operation_skipped"
    op: int
    kind: str
    reason: str
    # What it was about (a Write's path, a memory key, a note's text); None in older logs.
    subject: str | None = None


class ConfinementNoted(EventBase):
    """How the session's commands and agent processes are confined, said once before the first
    one runs: sandboxed, or not and why (then every command asks first, unless the sandbox was
    turned off on purpose, or is required and nothing runs)."""

    type: Literal["confinement"] = "confinement"
    sandboxed: bool
    description: str  # "sandbox: bubblewrap (...)" or "no sandbox: <why>"
    notice: str | None = None  # what the user must know, one line (None: all is as it should be)


# What needs permission: a batch Bash or Write operation, an agent's process, a tool an agent's
# own program asks for (Claude Code's permission prompts).
ApprovalKind = Literal["bash", "write", "agent", "tool"]
# Who decided: a rule (allow, deny or ask lists), the default (no rule matched), a person in the
# app's queue or at the terminal, a flag (`--yes`; headless with nobody to ask), or nobody: the
# request was withdrawn (its agent or the session was cancelled).
DecidedBy = Literal["rule", "default", "user", "flag", "cancel"]
ApprovalScope = Literal["once", "session"]


class ApprovalRequested(EventBase):
    """Something waits for a person's decision (no rule allowed or denied it)."""

    type: Literal["approval_requested"] = "approval_requested"
    id: str  # "r1", "r2", ... in the session
    kind: ApprovalKind
    agent: str | None = None  # None: an operation of the batch itself
    op: int | None = None  # the batch operation (Bash, Write)
    tool: str  # Bash, Write, Edit, Read, WebFetch, mcp__..., or "process" (an agent's)
    subject: str  # the command line, the path, the domain
    cwd: str = "."  # relative to the session folder
    reason: str  # why it asks: the rule that asked, or that no rule matched
    rule: str | None = None  # the ask rule that matched, if one did
    pattern: str | None = None  # the rule "approve for this session" would add


class ApprovalDecided(EventBase):
    """A decision on something that needed permission, by whom, for how long, and why.

    With `id`, it answers that request; without, a rule or the default decided at once."""

    type: Literal["approval_decided"] = "approval_decided"
    id: str | None = None
    kind: ApprovalKind
    agent: str | None = None
    op: int | None = None
    tool: str
    subject: str
    verdict: Literal["allow", "deny"]
    by: DecidedBy
    scope: ApprovalScope = "once"
    rule: str | None = None  # the rule that decided, or the pattern approved for the session
    reason: str


class ClusterChanged(EventBase):
    """The Dask cluster the agents run on (`--executor`): said when the session connects and
    whenever a worker joins or leaves. `slots` is the agents it runs at once (the workers'
    threads); JOINED / LEFT name the worker that changed it."""

    type: Literal["cluster_changed"] = "cluster_changed"
    executor: str  # dask-local:2, tcp://HOST:PORT, tls://HOST:PORT
    workers: int
    slots: int
    joined: str | None = None
    left: str | None = None


class PlacedOnWorker(EventBase):
    """An agent's attempt started on a Dask worker (its address, and its name when it has one)."""

    type: Literal["placed_on_worker"] = "placed_on_worker"
    agent: str
    attempt: int
    worker: str
    name: str | None = None


class WorkerLost(EventBase):
    """A worker left the cluster while it ran agents of this session: each of their attempts
    failed with REASON (their retries, if any, run elsewhere; none runs twice unrecorded)."""

    type: Literal["worker_lost"] = "worker_lost"
    worker: str
    agents: list[str] = Field(default_factory=list)
    reason: str = ""


# --- the workspace: git worktrees of the user's repository (swarmtui.engine.workspace) -------


class WorkspaceOpened(EventBase):
    """Agents of file-editing backends work in git worktrees of REPO, on branches
    `swarm/<session>/<agent>`; those with no providers start from HEAD (the commit `head`)."""

    type: Literal["workspace_opened"] = "workspace_opened"
    repo: str  # the repository's top folder
    head: str  # the commit agents without providers start from
    branch: str | None = None  # the branch checked out there (None: detached, on resume)
    git_version: str = ""
    asked: bool = False  # --repo or [workspace] repo (else: the batch's own repository)
    setup: str | None = None  # [workspace] setup, run in each new worktree
    # Worktrees of other sessions still in the repository (interrupted ones): "path (branch)".
    leftovers: list[str] = Field(default_factory=list)


class WorkspaceRefused(EventBase):
    """The repository cannot be used (not one, a dirty tree, a detached HEAD, a shallow clone,
    submodules, a branch name taken, git missing or too old): the session stops before any
    agent starts (`stopped`, when the repository was asked for) or runs without worktrees."""

    type: Literal["workspace_refused"] = "workspace_refused"
    repo: str | None = None
    reason: str
    stopped: bool = False


class WorktreeCreated(EventBase):
    """An agent's worktree is ready (made, or, on a retry or a resume, taken up again)."""

    type: Literal["worktree_created"] = "worktree_created"
    agent: str
    path: str  # relative to the session folder
    branch: str
    base: str  # the commit it starts from: HEAD, or the merge of its providers' branches
    providers: list[str] = Field(default_factory=list)  # agents whose branches were merged in
    copied: list[str] = Field(default_factory=list)  # files copied by .worktreeinclude
    reused: bool = False


class WorktreeFailed(EventBase):
    """An agent's worktree could not be made, set up or committed; the agent fails with it."""

    type: Literal["worktree_failed"] = "worktree_failed"
    agent: str
    stage: Literal["create", "merge", "setup", "commit"]
    reason: str
    files: list[str] = Field(default_factory=list)  # the conflicting files of a merge


class WorktreeSetup(EventBase):
    """`[workspace] setup` ran in an agent's new worktree (or was refused by the rules)."""

    type: Literal["worktree_setup"] = "worktree_setup"
    agent: str
    command: str
    exit_status: int | None = None  # None: it did not run to an exit
    reason: str | None = None


class FileChange(BaseModel):
    path: str
    added: int = 0
    removed: int = 0
    binary: bool = False


class AgentCommitted(EventBase):
    """What an agent changed, committed on its branch when it ended (its own commits kept),
    and kept as a patch in the session, so a replay shows it without git."""

    type: Literal["agent_committed"] = "agent_committed"
    agent: str
    branch: str
    commit: str  # the branch's tip
    base: str  # what the diff is against: what it got from its providers (or HEAD)
    commits: int = 0  # commits on its branch since then
    committed_rest: bool = False  # swarmtui committed what it had left uncommitted
    added: int = 0
    removed: int = 0
    files: list[FileChange] = Field(default_factory=list)  # at most DIFF_FILES_LIMIT
    more_files: int = 0  # files changed beyond those listed
    patch: str | None = None  # relative to the session folder (artifacts/diffs/<agent>.patch)
    notes: list[str] = Field(default_factory=list)  # what went otherwise than planned


DIFF_FILES_LIMIT = 500


class BranchesMerged(EventBase):
    """Agents' branches merged back after the session (the merge view, `swarmtui merge`),
    recorded in the session's log when it was made: numbered after its last event, at that
    event's time (`merged_at` says when). A replay shows it; it runs no git."""

    type: Literal["branches_merged"] = "branches_merged"
    target: str  # the branch merged into
    new_branch: bool = False  # made for the merge (from HEAD)
    previous: str  # its tip before (a new branch: the commit it was made from)
    commit: str  # its tip after
    agents: list[str] = Field(default_factory=list)  # whose work it brought in
    already: list[str] = Field(default_factory=list)  # chosen, but their work was there
    files: int = 0  # files the merge changed
    working_tree_files: int = 0  # files it changed in the user's working tree
    by: Literal["app", "cli"] = "cli"
    merged_at: str = ""  # ISO 8601, UTC


class Control(EventBase):
    """Something the user did: every control is recorded so a replay shows it."""

    type: Literal["control"] = "control"
    action: Literal[
        "cancel",
        "cancel_session",
        "retry",
        "pause",
        "resume",
        "store_memory",
        "todo_status",
        "end",
    ]
    target: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class DiagnosticEvent(EventBase):
    type: Literal["diagnostic"] = "diagnostic"
    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


Event = Annotated[
    SessionStarted
    | SessionResumed
    | SessionForked
    | SessionFinished
    | MessageStarted
    | MessageFinished
    | AgentQueued
    | AgentWaiting
    | AgentStarted
    | AgentOutput
    | AgentRehearsed
    | AgentUsage
    | AgentServerWait
    | AgentServerSlot
    | AgentMessage
    | AgentActivity
    | EndpointChecked
    | CapCrossed
    | AgentFinished
    | MemoryStored
    | MemoryDeleted
    | MemoryRead
    | TodoChanged
    | BashStarted
    | BashRehearsed
    | BashOutput
    | BashFinished
    | FileWritten
    | OperationSkipped
    | ConfinementNoted
    | ApprovalRequested
    | ApprovalDecided
    | ClusterChanged
    | PlacedOnWorker
    | WorkerLost
    | WorkspaceOpened
    | WorkspaceRefused
    | WorktreeCreated
    | WorktreeFailed
    | WorktreeSetup
    | AgentCommitted
    | BranchesMerged
    | Control
    | DiagnosticEvent,
    Field(discriminator="type"),
]
