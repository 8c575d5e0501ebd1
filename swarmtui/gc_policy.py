"""When the cyclic garbage collector runs: the one policy the app, the engine and the parser share.

Long-lived Python programs that allocate many objects which all stay alive (a parsed batch, a
running session's agents and events, a copy of a replay state) spend their time in collections
that find nothing: full passes of 50-110 ms were measured in the app under load, and a third of a
2,000-agent run went to rescanning its own agents. Four measures, each where it pays:

- `paused()`: no collection during one burst of allocations that all survive (parsing, copying).
- `pause_for_start_up()` / `settle_after_start_up()`: none before the app's first frame; then the
  heap built so far is frozen (never scanned again) and the thresholds raised
  (`end_start_up_early()`: collection back on, when the app closes before that).
- `running_session()`: while a session runs, when the host left the defaults (a headless run),
  what the process held before it (the parsed batch, the modules) is frozen, and the thresholds
  raised; both undone after the last session. `kept()` marks a burst of allocations that all live
  as long as the session (its plan, its start): no collection during it, and frozen after it.
  Nothing is collected less: a young collection still finds whatever the session drops. Such a
  process skips the collector's last pass at exit (`_skip_the_last_pass`).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
from collections.abc import Iterator

# The app's young generation is collected every 50,000 allocations instead of 700.
APP_THRESHOLDS = (50_000, 50, 100)
# While a session runs headless: a big batch allocates a few hundred objects per agent, all
# alive until its end. (The young generation counts objects made less those freed: at 40,000 a
# 2,000-agent run collected a few times mid-burst, 5 ms of scanning that found nothing; at
# 100,000 it collects once at most.)
RUN_THRESHOLDS = (100_000, 50, 100)
# Thresholds at or above this first value were chosen by someone (the app): leave them.
_TUNED = 10_000


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No collection inside the block (restored as it was after)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pause_for_start_up() -> None:
    """No collection until `settle_after_start_up`: start-up only allocates what it keeps, and
    collecting it costs 100+ ms before the first frame."""
    gc.disable()


def end_start_up_early() -> None:
    """Start-up ended before it settled (the app closed within its first second): collection
    back on, nothing frozen."""
    gc.enable()


def settle_after_start_up() -> None:
    """Collect once, freeze what survived (start-up's objects are never scanned again), raise
    the thresholds and collect normally from now on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*APP_THRESHOLDS)
    gc.enable()


class _SessionScope:
    """Raises the thresholds while at least one session runs, when the host has left them at the
    defaults; restores them after the last one (unless the host changed them meanwhile). Where
    nothing was frozen before, it freezes what exists as the first session starts (a young
    collection rescanning the batch, at every level of a big one, was a tenth of the run) and
    unfreezes it all after the last one."""

    def __init__(self) -> None:
        self.sessions = 0
        self.saved: tuple[int, int, int] | None = None
        self.froze = False

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        if self.sessions == 0 and gc.get_threshold()[0] < _TUNED:
            self.saved = gc.get_threshold()
            gc.set_threshold(*RUN_THRESHOLDS)
            if gc.get_freeze_count() == 0 and gc.isenabled():
                self.froze = True
                gc.freeze()
        self.sessions += 1
        try:
            yield
        finally:
            self.sessions -= 1
            if self.sessions == 0 and self.saved is not None:
                if self.froze:
                    self.froze = False
                    # Everything into the oldest generation, collected as usual from now; the
                    # session's young objects too, unscanned: with the defaults back, the next
                    # allocation would otherwise scan them all at once, as the session returns.
                    gc.freeze()
                    gc.unfreeze()
                    _skip_the_last_pass()
                if gc.get_threshold() == RUN_THRESHOLDS:
                    gc.set_threshold(*self.saved)
                self.saved = None

    @contextlib.contextmanager
    def kept(self) -> Iterator[None]:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if self.froze:  # (before collection is back: the next allocation would trigger it)
                gc.freeze()
            if was_enabled:
                gc.enable()


_SESSIONS = _SessionScope()
_AT_EXIT: list[bool] = []


def _skip_the_last_pass() -> None:
    """At exit, freeze what is left before the interpreter's final collection: that pass over
    the heap of a run of 10,000 agents took longer than the run (seconds, on a busy machine).
    The memory goes back to the system with the process all the same; what it skips is running
    finalizers of cyclic garbage left at exit, which swarmtui does not rely on (its files and
    logs are closed when its sessions end)."""
    if not _AT_EXIT:
        _AT_EXIT.append(True)
        atexit.register(gc.freeze)


def running_session() -> contextlib.AbstractContextManager[None]:
    """The collector's policy for the time a session runs (nestable: sessions may overlap)."""
    return _SESSIONS.running()


def kept() -> contextlib.AbstractContextManager[None]:
    """A burst of allocations in a running session that all live as long as it: no collection
    inside; frozen after it where the session froze what was there before (`running_session`)."""
    return _SESSIONS.kept()
