"""Compare: two recorded sessions side by side — timeline on one axis, agents, memory, artifacts.

The comparison (`swarmtui.store.compare`) is computed in a thread worker: reading two logs and
diffing their files never blocks the event loop. Everything shown that came from a session
(names, keys, values, file contents, reasons) goes through `safe_text.visible`, so no control
sequence recorded in a session reaches the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from swarmtui.safe_text import visible
from swarmtui.store.compare import (
    AgentComparison,
    AgentFigures,
    ArtifactChange,
    Comparison,
    MemoryChange,
    SessionSide,
    compare_sessions,
)
from swarmtui.ui.look import (
    cells,
    column,
    format_cost,
    format_seconds,
    format_tokens,
    status_styles,
)
from swarmtui.ui.widgets.key_bar import KeyBar
from swarmtui.ui.widgets.timeline_panel import RUN_CHAR, WAIT_CHAR, bar_text

CHANGE_MARK = {"added": "+", "removed": "−", "changed": "~"}
TAB_IDS = ("compare-agents", "compare-memory", "compare-artifacts", "compare-batch")


def shown(text: str) -> str:
    """Outside text made safe for one line of the screen: tabs expanded, controls escaped."""
    return visible(text.expandtabs(4))


def _figure(value: float | None) -> str:
    """Seconds, with hundredths under one second (a rehearsal's agents take milliseconds)."""
    if value is None:
        return "–"
    if value == 0:
        return "0s"
    return f"{value:.2f}s" if value < 1 else format_seconds(value)


def _pair(a: str, b: str, style: Style | None = None) -> Text:
    """`a → b` when they differ (highlighted), else the one value, dimmed."""
    if a == b:
        return Text(a, Style(dim=True))
    return Text(f"{a} → {b}", style or Style(bold=True))


class CompareTimeline(Widget):
    """Both sessions' bars on one time axis: for each agent, a row for A and a row for B."""

    DEFAULT_CSS = """
    CompareTimeline { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.comparison: Comparison | None = None

    def show(self, comparison: Comparison) -> None:
        self.comparison = comparison
        self.refresh(layout=True)

    def render(self) -> Text:
        comparison = self.comparison
        if comparison is None:
            return Text("")
        width = max(20, self.size.width)
        a, b = comparison.a, comparison.b
        end = max(a.last_t, b.last_t, 0.001)
        names = [c.name for c in comparison.agents]
        name_width = max(4, min(max((cells(n) for n in names), default=4), 18, width // 4))
        bar_width = max(1, width - name_width - 3)
        left, right = "0s", _figure(end)
        gap = max(1, bar_width - len(left) - len(right))
        lines = [Text(f"{'':<{name_width}}   {left}{'─' * gap}{right}", Style(dim=True))]
        styles = status_styles(self.app)
        for name in names:
            for label, side in (("A", a), ("B", b)):
                line = Text()
                line.append(
                    f"{column(shown(name) if label == 'A' else '', name_width)} ",
                    Style(bold=True),
                )
                line.append(f"{label} ", Style(dim=True))
                line.append_text(_bar(side, name, end, bar_width, styles))
                lines.append(line)
        return Text("\n").join(lines)


def _bar(side: SessionSide, name: str, end: float, width: int, styles: dict[str, Style]) -> Text:
    agent = side.state.agents.get(name)
    if agent is None:
        return Text("(not in this session)", Style(dim=True, italic=True))
    return bar_text(agent, side.last_t, end, width, styles)


def _side_line(label: str, side: SessionSide, styles: dict[str, Style]) -> Text:
    """`A completed · rehearsal · wall 9.0s · … · critical path 9.0s (X → Y)` (the title
    names the sessions)."""
    status_style = styles.get("done" if side.status == "completed" else "failed", Style())
    if side.status in ("running", "interrupted"):
        status_style = styles.get("waiting", Style())
    text = Text()
    text.append(f"{label} ", Style(bold=True))
    text.append(side.status, status_style)
    text.append(f" · {shown(side.backend)}", Style(dim=True))
    text.append(
        f" · wall {_figure(side.wall_seconds)}"
        f" · seq {_figure(side.sequential_seconds)}"
        f" · speed-up {side.speedup:.1f}×"
        f" · critical path {_figure(side.critical_path_seconds)}"
    )
    if side.critical_path:
        text.append(" (" + shown(" → ".join(side.critical_path)) + ")", Style(dim=True))
    return text


def _figures_cells(c: AgentComparison, styles: dict[str, Style]) -> list[Text]:
    a, b = c.a, c.b
    name = Text(shown(c.name), Style(bold=True))
    if a is None or b is None:
        only = a or b
        assert only is not None
        where = "only in A" if b is None else "only in B"
        return [
            name,
            Text(f"{only.status} ({where})", styles.get(only.status, Style())),
            Text(str(only.attempts)),
            Text(_figure(only.wall_seconds)),
            Text(_figure(only.wait_seconds)),
            Text(_figure(only.run_seconds)),
            Text(_tokens(only)),
            Text(_cost(only)),
        ]
    status = _pair(a.status, b.status, styles.get(b.status, Style(bold=True)))
    return [
        name,
        status,
        _pair(str(a.attempts), str(b.attempts)),
        _pair(_figure(a.wall_seconds), _figure(b.wall_seconds)),
        _pair(_figure(a.wait_seconds), _figure(b.wait_seconds)),
        _pair(_figure(a.run_seconds), _figure(b.run_seconds)),
        _pair(_tokens(a), _tokens(b)),
        _pair(_cost(a), _cost(b)),
    ]


def _tokens(f: AgentFigures) -> str:
    """In and out together, without the unit (the column says it): `3.3k`."""
    total = f.tokens_in + f.tokens_out
    return format_tokens(total).removesuffix(" tok") if total else "–"


def _cost(f: AgentFigures) -> str:
    """Tenths of a cent under a dollar, so that small costs that differ look different."""
    if f.cost_usd is None:
        return "–"
    return f"${f.cost_usd:.3f}" if f.cost_usd < 1 else format_cost(f.cost_usd)


def diff_text(lines: tuple[str, ...], styles: dict[str, Style]) -> Text:
    """A unified diff, coloured: additions as done, removals as failed, hunks as running."""
    text = Text()
    for i, raw in enumerate(lines):
        line = shown(raw)
        style: Style | None = None
        if raw.startswith(("+++", "---")):
            style = Style(bold=True)
        elif raw.startswith("+"):
            style = styles.get("done")
        elif raw.startswith("-"):
            style = styles.get("failed")
        elif raw.startswith("@@"):
            style = styles.get("running")
        elif raw.startswith("(…"):
            style = Style(dim=True, italic=True)
        if i:
            text.append("\n")
        text.append(line, style)
    return text


def _memory_detail(change: MemoryChange, styles: dict[str, Style]) -> Text:
    text = Text()
    label = change.key if change.namespace == "default" else f"{change.namespace}:{change.key}"
    text.append(shown(label), Style(bold=True))
    text.append(f"  {change.change}", Style(dim=True))
    if change.a_by or change.b_by:
        a_by, b_by = shown(change.a_by or "–"), shown(change.b_by or "–")
        by = a_by if a_by == b_by else f"{a_by} → {b_by}"
        text.append(f"  written by {by}", Style(dim=True))
    text.append("\n\n")
    text.append_text(diff_text(change.diff, styles))
    return text


def _artifact_detail(change: ArtifactChange, styles: dict[str, Style]) -> Text:
    text = Text()
    text.append(shown(change.path), Style(bold=True))
    sizes = f"{_bytes(change.a_bytes)} → {_bytes(change.b_bytes)}"
    text.append(f"  {change.change}, {sizes}", Style(dim=True))
    if change.note:
        text.append(f"\n\n{change.note}: the contents are not shown", Style(italic=True))
    if change.diff:
        text.append("\n\n")
        text.append_text(diff_text(change.diff, styles))
    return text


def _bytes(n: int | None) -> str:
    return "–" if n is None else f"{n:,} B"


class CompareScreen(Screen[None]):
    """Compares the sessions in `a` and `b`; escape goes back (or quits when opened alone)."""

    CSS_PATH = "compare.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "a", "tab('compare-agents')", "Agents", id="compare.agents", tooltip="Agents table"
        ),
        Binding(
            "m",
            "tab('compare-memory')",
            "Memory",
            id="compare.memory",
            tooltip="Memory keys added, removed and changed",
        ),
        Binding(
            "f",
            "tab('compare-artifacts')",
            "Files",
            id="compare.artifacts",
            tooltip="Artifacts added, removed and changed",
        ),
        Binding(
            "b", "tab('compare-batch')", "Batch", id="compare.batch", tooltip="The two batches"
        ),
        Binding(
            "t", "focus_timeline", "Timeline", id="compare.timeline", tooltip="Scroll the timeline"
        ),
        Binding("escape", "back", "Back", id="compare.back", tooltip="Leave the comparison"),
    ]

    def __init__(self, a: Path, b: Path) -> None:
        super().__init__()
        self.a_path = a
        self.b_path = b
        self.comparison: Comparison | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"Compare · A {shown(self.a_path.name)} · B {shown(self.b_path.name)}"),
            id="compare-title",
        )
        yield Static(Text("comparing…"), id="compare-summary")
        with VerticalScroll(id="compare-timeline-box") as box:
            box.border_title = f"Timeline · A above B · {WAIT_CHAR} waiting {RUN_CHAR} running"
            yield CompareTimeline(id="compare-timeline")
        with TabbedContent(id="compare-tabs"):
            with TabPane("Agents", id="compare-agents"):
                yield DataTable(id="compare-agents-table", cursor_type="row", zebra_stripes=True)
                yield Static(Text(""), id="compare-agent-line")
            for kind, title in (("memory", "Memory"), ("artifacts", "Artifacts")):
                with (
                    TabPane(title, id=f"compare-{kind}"),
                    Horizontal(classes="compare-split"),
                ):
                    yield OptionList(id=f"compare-{kind}-list", classes="compare-list")
                    with VerticalScroll(classes="compare-detail"):
                        yield Static(Text(""), id=f"compare-{kind}-diff")
            with TabPane("Batch", id="compare-batch"), VerticalScroll():
                yield Static(Text(""), id="compare-batch-diff")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#compare-agents-table", DataTable)
        for label in ("Agent", "Status", "Attempts", "Ended", "Wait", "Run", "Tokens", "Cost"):
            table.add_column(label, key=label.lower())
        self._load()

    @work(thread=True, group="compare-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            comparison = compare_sessions(self.a_path, self.b_path)
        except Exception as exc:  # a SessionStoreError, or anything else: one line in place
            self.app.call_from_thread(self._failed, str(exc) or type(exc).__name__)
            return
        self.app.call_from_thread(self.show, comparison)

    def _failed(self, message: str) -> None:
        self.error = shown(message.splitlines()[0] if message else "cannot compare")
        summary = self.query_one("#compare-summary", Static)
        summary.add_class("-error")
        summary.update(Text(f"✗ These sessions cannot be compared: {self.error}"))
        self.refresh_bindings()

    def show(self, comparison: Comparison) -> None:
        """Fill every part of the screen from a finished comparison."""
        self.comparison = comparison
        styles = status_styles(self.app)
        summary = Text()
        summary.append_text(_side_line("A", comparison.a, styles))
        summary.append("\n")
        summary.append_text(_side_line("B", comparison.b, styles))
        ratio = comparison.wall_ratio
        if ratio is not None:
            summary.append(f"\nB took {ratio:.2f}× A's wall time", Style(dim=True))
        for note in comparison.notes:
            summary.append("\n")
            summary.append(f"! {shown(note)}", styles.get("waiting"))
        self.query_one("#compare-summary", Static).update(summary)
        self.query_one(CompareTimeline).show(comparison)
        self._fill_agents(comparison, styles)
        self._fill_list(
            "memory",
            [(c, _memory_label(c)) for c in comparison.memory],
            comparison.memory_unchanged,
            "keys",
        )
        self._fill_list(
            "artifacts",
            [(c, _artifact_label(c)) for c in comparison.artifacts],
            comparison.artifacts_unchanged,
            "files",
        )
        batch = self.query_one("#compare-batch-diff", Static)
        if comparison.same_batch:
            batch.update(Text("Both sessions ran the same batch.", Style(dim=True)))
        elif comparison.batch_diff:
            batch.update(diff_text(comparison.batch_diff, styles))
        else:
            batch.update(Text(shown(comparison.notes[0]) if comparison.notes else ""))
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("compare-agents").label = f"Agents ({_changed_agents(comparison)} differ)"
        tabs.get_tab("compare-memory").label = f"Memory ({len(comparison.memory)})"
        tabs.get_tab("compare-artifacts").label = f"Artifacts ({len(comparison.artifacts)})"
        self.query_one("#compare-agents-table", DataTable).focus()

    def _fill_agents(self, comparison: Comparison, styles: dict[str, Style]) -> None:
        table = self.query_one("#compare-agents-table", DataTable)
        table.clear()
        for c in comparison.agents:
            table.add_row(*_figures_cells(c, styles), key=c.name)

    def _fill_list(
        self,
        kind: str,
        rows: list[tuple[MemoryChange, Text]] | list[tuple[ArtifactChange, Text]],
        unchanged: int,
        noun: str,
    ) -> None:
        options = self.query_one(f"#compare-{kind}-list", OptionList)
        options.clear_options()
        for index, (_change, label) in enumerate(rows):
            options.add_option(Option(label, id=str(index)))
        detail = self.query_one(f"#compare-{kind}-diff", Static)
        if rows:
            options.highlighted = 0
        else:
            detail.update(Text(f"No differences ({unchanged} {noun} the same).", Style(dim=True)))

    @on(DataTable.RowHighlighted)
    def _agent_highlighted(self, event: DataTable.RowHighlighted) -> None:
        comparison = self.comparison
        if comparison is None or event.row_key.value is None:
            return
        found = [c for c in comparison.agents if c.name == event.row_key.value]
        if found:
            self.query_one("#compare-agent-line", Static).update(
                _agent_line(found[0], status_styles(self.app))
            )

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        comparison = self.comparison
        if comparison is None or event.option.id is None:
            return
        index = int(event.option.id)
        styles = status_styles(self.app)
        if event.option_list.id == "compare-memory-list":
            self.query_one("#compare-memory-diff", Static).update(
                _memory_detail(comparison.memory[index], styles)
            )
        elif event.option_list.id == "compare-artifacts-list":
            self.query_one("#compare-artifacts-diff", Static).update(
                _artifact_detail(comparison.artifacts[index], styles)
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # After a failed load there is nothing to look at but the reason.
        return action == "back" or self.error is None

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        pane = self.query_one(f"#{tab}", TabPane)
        for widget in pane.query("DataTable, OptionList, VerticalScroll"):
            if widget.focusable:
                widget.focus()
                break

    def action_focus_timeline(self) -> None:
        self.query_one("#compare-timeline-box", VerticalScroll).focus()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()


def _agent_line(c: AgentComparison, styles: dict[str, Style]) -> Text:
    """How the highlighted agent ended in each session, with the reason when there is one."""
    text = Text(shown(c.name), Style(bold=True))
    for label, figures in (("A", c.a), ("B", c.b)):
        text.append(f"   {label}: ", Style(dim=True))
        if figures is None:
            text.append("not in this session", Style(dim=True, italic=True))
            continue
        text.append(figures.status, styles.get(figures.status))
        if figures.reason:
            text.append(f" ({shown(figures.reason)})")
    return text


def _changed_agents(comparison: Comparison) -> int:
    return sum(1 for c in comparison.agents if c.change != "same")


def _memory_label(change: MemoryChange) -> Text:
    label = change.key if change.namespace == "default" else f"{change.namespace}:{change.key}"
    return Text(f"{CHANGE_MARK[change.change]} {shown(label)}")


def _artifact_label(change: ArtifactChange) -> Text:
    text = Text(f"{CHANGE_MARK[change.change]} {shown(change.path)}")
    if change.binary:
        text.append("  binary", Style(dim=True))
    return text
