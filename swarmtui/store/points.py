"""Points of a recording: an event number or a time (`12.5`, `1m30s`, `40%`), and where the
events up to one end. The replay's `t` key and `swarmtui fork --at` read them the same way."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmtui.engine.events import Event

TIME_HELP = "A time: seconds (12.5), minutes and seconds (1m30s), or a share (40%)."
AT_HELP = "an event number (120) or a time (12.5s, 1m30s, 40%)"


def parse_time(text: str, end: float) -> float | None:
    """Seconds from `12.5`, `12.5s`, `1m30s`, `2m` or `40%` (of `end`); None if it is none."""
    text = text.strip().lower().replace(" ", "")
    if text.endswith("%"):
        try:
            share = float(text[:-1])
        except ValueError:
            return None
        # (share / 100 first: 100% is then exactly END; end * 100 / 100 can fall short of
        # it and leave the last event out)
        return end * (share / 100) if 0 <= share <= 100 else None
    match = re.fullmatch(r"(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?", text)
    if not text or match is None:
        return None
    minutes, seconds = match.groups()
    return float(minutes or 0) * 60 + float(seconds or 0)


def format_time(seconds: float) -> str:
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


class PointError(ValueError):
    """A point that is not in the recording: one line naming the valid range."""


@dataclass(frozen=True)
class Point:
    """A point of a recording: the first `events` events are before it; its time is `t`."""

    events: int
    t: float


def event_times(events: Sequence[Event]) -> list[float]:
    """Each event's time as a running maximum (bisect stays valid if a clock stepped back)."""
    times: list[float] = []
    latest = 0.0
    for event in events:
        latest = max(latest, event.t)
        times.append(latest)
    return times


def point_at(
    events: Sequence[Event], at: str, end: float | None = None, name: str = "the session"
) -> Point:
    """The point AT names in EVENTS (those of NAME): a whole number is an event number (the
    first that many events), anything else a time (`12.5`, `1m30s`, `40%` of END, the
    recording's end, by default its last event's time). `PointError` names the valid range
    when it is outside."""
    times = event_times(events)
    last = times[-1] if times else 0.0
    end = max(last, end if end is not None else last)
    total = len(events)
    what = f"events 0–{total}, times 0s–{format_time(end)}"
    text = at.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        number = int(text)
        if not 0 <= number <= total:
            raise PointError(f"--at {text}: {name} has no event {number} ({what})")
        return Point(number, times[number - 1] if number else 0.0)
    seconds = parse_time(text, end)
    if seconds is None and text.endswith("%") and _is_number(text[:-1]):
        raise PointError(f"--at {text}: a share of {name} is 0–100% ({what})")
    if seconds is None:
        raise PointError(f"--at {text!r}: not {AT_HELP}")
    if seconds > end + 1e-9:
        raise PointError(f"--at {text}: after the end of {name} ({what})")
    return Point(bisect.bisect_right(times, seconds), seconds)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
