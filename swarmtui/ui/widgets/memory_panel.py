"""The memory panel: a tree by namespace and key path; a key shows its value and history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from swarmtui.safe_text import safe_text, visible, visible_lines
from swarmtui.ui.bridge import Frame
from swarmtui.ui.empty_state import EMPTY_STATE
from swarmtui.ui.look import format_seconds, plural
from swarmtui.ui.widgets.stand_in import StandIn

if TYPE_CHECKING:
    from swarmtui.engine.state import MemoryEntry

MemoryKey = tuple[str, str]
Path = tuple[str, ...]  # namespace, then the key's segments
FOLD_CHILDREN = 25


def pretty_value(value: Any) -> str:
    """JSON text of a value, pretty-printed; a string holding JSON is shown as that JSON."""
    import json  # (not on the start-up path: values show once a key is chosen)

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def short_value(value: Any, width: int = 60) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def describe_entry(entry: MemoryEntry) -> Text:
    """Every write of the key (oldest first, who and when), then its current value (pretty JSON)."""
    text = Text()
    text.append(visible(f"{entry.namespace}:{entry.key}") + "\n", Style(bold=True))
    history = entry.history or []
    text.append(f"history ({plural(len(history) or 1, 'write')})\n", Style(underline=True))
    for write in history:
        what = "deleted" if write.deleted else visible(short_value(write.value, 40))
        text.append(f"{format_seconds(write.t):>6} ", Style(dim=True))
        text.append(f"{visible(write.by):<12} ", Style(bold=True))
        text.append(what + "\n")
    if not history:
        text.append(f"{format_seconds(entry.t):>6} ", Style(dim=True))
        text.append(f"{visible(entry.by)}\n", Style(bold=True))
    text.append("\nvalue\n", Style(underline=True))
    if entry.deleted:
        text.append("deleted\n", Style(italic=True))
    else:
        text.append(visible_lines(pretty_value(entry.value)) + "\n")
    return text


class MemoryTree(Tree[MemoryKey | None]):
    """Namespaces, then key path segments; a node whose data is set is a stored key."""

    ALLOW_MAXIMIZE = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        # Tree asks for a screen layout on every node added; its size is fixed by the panel's
        # CSS, so a repaint is enough (a layout per key cost 25-80 ms under load).
        return super().refresh(*regions, repaint=repaint, layout=False, recompose=recompose)


class MemoryPanel(Horizontal):
    """Tree on the left, the selected key's value and history on the right."""

    ALLOW_MAXIMIZE = True

    def __init__(
        self, *, read_only: bool = False, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.read_only = read_only
        self.state = EMPTY_STATE
        # The tree as known (every path) and as built: a folded branch's children become
        # nodes only when it is opened, so a thousand keys arriving under it cost no redraw.
        self._children: dict[Path, list[Path]] = {}
        self._keys: dict[Path, MemoryKey] = {}
        self._key_nodes: dict[Path, TreeNode[MemoryKey | None]] = {}
        self._paths: dict[int, Path] = {}  # node id -> path
        self._known = 0
        self._selected: MemoryKey | None = None
        self._shown_version: tuple[int, bool] | None = None
        # Labels are Text, never markup: keys come from outside (and markup costs start-up).
        tree: MemoryTree = MemoryTree(Text("memory"), id="memory-tree")
        tree.show_root = False
        tree.guide_depth = 2
        # Empty until the first key: its stand-in draws it in the first frame.
        self._tree_place = StandIn(tree, id="memory-tree-place")

    def compose(self) -> ComposeResult:
        yield self._tree_place
        with VerticalScroll(id="memory-detail-scroll"):
            yield Static("Select a key to see its value and history.", id="memory-detail")

    @property
    def key_tree(self) -> MemoryTree:
        return self._tree_place.widget

    def paint(self, frame: Frame) -> None:
        state = frame.state
        if state is not self.state or len(state.memory) < self._known:
            self._reset()
        self.state = state
        if len(state.memory) != self._known:
            for namespace, key in list(state.memory)[self._known :]:
                self._add_key(namespace, key)
            self._known = len(state.memory)
        self._show_selected()

    def _reset(self) -> None:
        if self._known:  # (else the tree is empty: it need not be in its place for that)
            self.key_tree.clear()
        self._children.clear()
        self._keys.clear()
        self._key_nodes.clear()
        self._paths.clear()
        self._known = 0
        self._shown_version = None

    @staticmethod
    def _path_of(namespace: str, key: str) -> Path:
        return (namespace, *([segment for segment in key.split("/") if segment] or [key]))

    def _add_key(self, namespace: str, key: str) -> None:
        path = self._path_of(namespace, key)
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix in self._children:  # known already
                continue
            self._children.setdefault(prefix[:-1], []).append(prefix)
            self._children.setdefault(prefix, [])
            parent = self._node_at(prefix[:-1])
            if parent is None:
                continue  # its parent is not built yet: it will be with its parent
            parent.allow_expand = True
            if parent is self.key_tree.root or parent.is_expanded:
                self._build(prefix, parent)
                if len(parent.children) == FOLD_CHILDREN and parent is not self.key_tree.root:
                    # A crowded branch is folded (enter opens it): the tree redraws every
                    # expanded line whenever a key arrives.
                    parent.collapse()
        self._keys[path] = (namespace, key)
        node = self._key_nodes.get(path)
        if node is not None:
            self._mark_key(node, path)

    def _node_at(self, path: Path) -> TreeNode[MemoryKey | None] | None:
        return self.key_tree.root if not path else self._key_nodes.get(path)

    def _build(self, path: Path, parent: TreeNode[MemoryKey | None]) -> None:
        """Add the node of `path` (and, while it stays open, those below it)."""
        children = self._children.get(path, [])
        node = parent.add(safe_text(path[-1]), expand=len(children) < FOLD_CHILDREN)
        node.allow_expand = bool(children)
        self._key_nodes[path] = node
        self._paths[id(node)] = path
        if path in self._keys:
            self._mark_key(node, path)
        if node.is_expanded:
            for child in children:
                self._build(child, node)

    def _mark_key(self, node: TreeNode[MemoryKey | None], path: Path) -> None:
        if node.data is None:
            node.data = self._keys[path]
            node.set_label(Text(str(node.label), Style(bold=True)))

    def _open(self, node: TreeNode[MemoryKey | None]) -> None:
        """Build the children of an opened branch that were not built while it was folded."""
        path = self._paths.get(id(node))
        if path is None:
            return
        for child in self._children.get(path, []):
            if child not in self._key_nodes:
                self._build(child, node)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[MemoryKey | None]) -> None:
        event.stop()
        self._open(event.node)

    @property
    def selected(self) -> MemoryKey | None:
        """The (namespace, key) highlighted in the tree, if any."""
        return self._selected

    def select_key(self, namespace: str, key: str) -> None:
        """Show `key`'s value and history (used by the tree and by tests)."""
        self._selected = (namespace, key)
        self._shown_version = None
        self._show_selected()
        path = self._path_of(namespace, key)
        opened = False
        for depth in range(1, len(path)):  # open the branches down to it
            branch = self._key_nodes.get(path[:depth])
            if branch is not None and not branch.is_expanded:
                branch.expand()
                self._open(branch)
                opened = True
        node = self._key_nodes.get(path)
        if node is None:
            return
        tree = self.key_tree
        if opened:  # the node has a line in the tree once it has been drawn again
            tree.call_after_refresh(tree.move_cursor, node)
        else:
            tree.move_cursor(node)

    def _show_selected(self) -> None:
        if self._selected is None:
            return
        entry = self.state.memory.get(self._selected)
        if entry is None:
            return
        version = (len(entry.history), entry.deleted)
        if version == self._shown_version:
            return
        self._shown_version = version
        self.query_one("#memory-detail", Static).update(describe_entry(entry))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[MemoryKey | None]) -> None:
        event.stop()
        if event.node.data is not None:
            self._selected = event.node.data
            self._shown_version = None
            self._show_selected()

    def on_tree_node_selected(self, event: Tree.NodeSelected[MemoryKey | None]) -> None:
        event.stop()
