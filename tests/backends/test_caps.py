"""Hard caps stop spending agents within one streamed piece, against our FAKE OpenAI server
(tests/backends/fake_openai_server.py): each piece is sent only once the previous one has been
seen as an event, so "how many pieces did the agent take" is exact."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from typing import Any

from swarmtui.config import AgentCaps, Backends, OpenAIOptions, Price
from swarmtui.engine.events import AgentOutput, AgentStarted, CapCrossed, Event
from swarmtui.engine.session import LiveSession
from swarmtui.engine.state import fold
from swarmtui.store import read_events

from ..engine.helpers import one_message, run, task
from .fake_openai_server import Connection, FakeOpenAIServer, Request, stream_reply

BOUND = 20  # seconds: a bound on a wait that an event ends, never a synchronisation


def _settings(base_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "backend": "openai",
        "base_url": base_url,
        "model": "fake-model",
        "backends": Backends(openai=OpenAIOptions(max_retries=0)),
        # Half a dollar per answer token, prompts free: while the server has not said, a piece
        # ("piece N\n": 8 characters, two tokens as swarmtui counts them) costs a dollar.
        "prices": {"fake-model": Price(input=0.0, output=5e5)},
        **extra,
    }


class Paced:
    """A FAKE stream that sends piece N+1 only once piece N was seen as an output event."""

    def __init__(self, agent: str, pieces: int = 10) -> None:
        self.agent = agent
        self.pieces = pieces
        self.seen = [threading.Event() for _ in range(pieces)]
        self.sent = 0
        self.client_gone = threading.Event()

    def on_event(self, event: Event) -> None:
        if isinstance(event, AgentOutput) and event.agent == self.agent:
            for i, seen in enumerate(self.seen):
                if f"piece {i}\n" in event.text:
                    seen.set()

    async def handler(self, request: Request, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        gone: asyncio.Future[object] = asyncio.ensure_future(conn.wait_client_gone())
        await conn.start_sse()
        for i in range(self.pieces):
            try:
                await conn.content(f"piece {i}\n")
            except ConnectionError:
                break
            self.sent = i + 1
            seen: asyncio.Future[object] = loop.run_in_executor(None, self.seen[i].wait, BOUND)
            both: list[asyncio.Future[object]] = [gone, seen]
            await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
            if gone.done():
                break
        with contextlib.suppress(ConnectionError):
            await gone  # (a reset says it is gone as well as an end of file does)
        self.client_gone.set()


async def test_an_agent_cost_cap_stops_it_within_the_piece_that_crossed_it(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    paced = Paced("Spender")
    fake_server.script(paced.handler)
    settings = _settings(fake_server.base_url, agent_caps=AgentCaps(max_cost_usd=2.5))
    r = await run(
        one_message(task(0, "Spender", retries=3)),
        tmp_path,
        lambda s, e: paced.on_event(e),
        **settings,
    )
    spender = r.state.agents["Spender"]
    assert spender.status == "failed" and spender.attempts == 1  # a cap is never retried
    assert spender.reason == (
        "stopped: $3.0000 crossed its cap of $2.5000 ([agent_caps] max_cost_usd)"
    )
    # It took the third piece (the one that crossed $2.50) and no other.
    shown = "".join(e.text for e in r.of(AgentOutput, agent="Spender", stream="text"))
    assert shown == "piece 0\npiece 1\npiece 2\n"
    assert paced.client_gone.wait(BOUND)  # and it closed the stream
    assert (spender.tokens_out, spender.cost_usd) == (6, 3.0)
    [crossed] = r.of(CapCrossed)
    assert (crossed.cap, crossed.agent, crossed.stopped) == (
        "agent_max_cost_usd",
        "Spender",
        ["Spender"],
    )
    # The replay shows the same stop.
    replayed = fold(read_events(r.session.path))
    assert replayed.agents["Spender"].reason == spender.reason
    assert [c.cap for c in replayed.caps] == ["agent_max_cost_usd"]


async def test_a_session_budget_crossed_by_one_agent_stops_every_spending_agent(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    slow = Paced("Slow", pieces=1)
    fast = Paced("Fast")
    first_piece_seen = threading.Event()

    async def fast_after_slow(request: Request, conn: Connection) -> None:
        # Fast starts spending once Slow has spent its dollar: the order is fixed.
        await asyncio.get_running_loop().run_in_executor(None, first_piece_seen.wait, BOUND)
        await fast.handler(request, conn)

    handlers = {"Slow": slow.handler, "Fast": fast_after_slow}

    async def route(request: Request, conn: Connection) -> None:
        prompt = request.json()["messages"][-1]["content"]
        name = "Slow" if 'You are "Slow"' in prompt else "Fast"
        await handlers[name](request, conn)

    fake_server.default = route

    def on_event(session: LiveSession, event: Event) -> None:
        slow.on_event(event)
        fast.on_event(event)
        if slow.seen[0].is_set():
            first_piece_seen.set()

    batch = one_message(task(0, "Slow"), task(1, "Fast"), task(2, "Later"))
    r = await run(
        batch, tmp_path, on_event, max_parallel=2, budget_usd=2.5,
        **_settings(fake_server.base_url),
    )  # fmt: skip
    agents = r.state.agents
    reason = "stopped: the session's budget of $2.50 was crossed ($3.0000 spent)"
    assert (agents["Fast"].status, agents["Fast"].reason) == ("failed", reason)
    assert (agents["Slow"].status, agents["Slow"].reason) == ("failed", reason)
    # Fast took the piece that crossed the budget (its second: $1 + $2) and no more.
    shown = "".join(e.text for e in r.of(AgentOutput, agent="Fast", stream="text"))
    assert shown == "piece 0\npiece 1\n"
    assert slow.client_gone.wait(BOUND) and fast.client_gone.wait(BOUND)
    # No agent starts once the budget is spent.
    assert agents["Later"].status == "skipped" and "budget" in (agents["Later"].reason or "")
    assert not r.of(AgentStarted, agent="Later")
    [crossed] = r.of(CapCrossed)
    assert crossed.cap == "session_budget_usd" and sorted(crossed.stopped) == ["Fast", "Slow"]
    assert r.state.status == "failed" and r.state.reason == reason.removeprefix("stopped: ")


async def test_a_final_report_over_the_budget_keeps_that_answer_and_starts_nothing_more(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # The answer is complete when its usage says it crossed the budget: it is paid for, kept.
    fake_server.script(stream_reply(["done"], usage=(5, 6)))  # (counted as it came: $0.50)
    batch = one_message(task(0, "First"), task(1, "Second"))
    r = await run(
        batch, tmp_path, max_parallel=1, budget_usd=2.5, **_settings(fake_server.base_url)
    )
    first, second = r.state.agents["First"], r.state.agents["Second"]
    assert first.status == "done" and first.result == "done"
    assert (first.tokens_in, first.tokens_out, first.cost_usd) == (5, 6, 3.0)
    assert second.status == "skipped"
    assert second.reason == "budget of $2.50 spent ($3.00); not started"
    [crossed] = r.of(CapCrossed)
    assert crossed.cap == "session_budget_usd" and crossed.stopped == []


async def test_a_session_token_cap_stops_the_agent_that_crosses_it(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    paced = Paced("Talker")
    fake_server.script(paced.handler)
    # The prompt is counted by its length while streaming: crossing comes with some piece.
    r = await run(
        one_message(task(0, "Talker")), tmp_path, lambda s, e: paced.on_event(e),
        max_tokens=1, **_settings(fake_server.base_url),
    )  # fmt: skip
    talker = r.state.agents["Talker"]
    assert talker.status == "failed" and talker.reason is not None
    assert talker.reason.startswith("stopped: the session's cap of 1 tokens was crossed")
    shown = "".join(e.text for e in r.of(AgentOutput, agent="Talker", stream="text"))
    assert shown == "piece 0\n" and paced.client_gone.wait(BOUND)


async def test_a_server_that_streams_no_usage_is_counted_by_its_text_and_capped(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # Our FAKE of an OpenAI-compatible server that streams long pieces and never says usage:
    # 200 pieces of 250 characters (about 12,500 tokens). Counting a token per piece let the
    # agent stream all 50,000 characters under a cap of 500 tokens.
    piece = ("lorem ipsum " * 21)[:249] + "\n"
    fake_server.script(stream_reply([piece] * 200, usage=None))
    r = await run(
        one_message(task(0, "A")), tmp_path, max_tokens=500, **_settings(fake_server.base_url)
    )
    a = r.state.agents["A"]
    assert a.status == "failed" and a.reason is not None
    assert a.reason.startswith("stopped: the session's cap of 500 tokens was crossed")
    shown = "".join(e.text for e in r.of(AgentOutput, agent="A", stream="text"))
    # Stopped within the piece that crossed: 500 tokens are some 2,000 characters.
    assert len(shown) <= 500 * 4 + len(piece)
    assert a.tokens_in + a.tokens_out > 500 and a.usage_estimated
    assert a.tokens_out >= len(shown) // 4


async def test_an_agent_token_cap_stops_it_within_the_piece_that_crossed_it(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    paced = Paced("Talker")
    fake_server.script(paced.handler)
    # Its prompt is counted by its length while it streams: the first piece crosses 1 token.
    settings = _settings(fake_server.base_url, agent_caps=AgentCaps(max_tokens=1))
    r = await run(
        one_message(task(0, "Talker", retries=3)),
        tmp_path,
        lambda s, e: paced.on_event(e),
        **settings,
    )
    talker = r.state.agents["Talker"]
    assert talker.status == "failed" and talker.attempts == 1  # a cap is never retried
    assert talker.reason is not None and talker.reason.startswith("stopped: ")
    assert talker.reason.endswith(" tokens crossed its cap of 1 ([agent_caps] max_tokens)")
    shown = "".join(e.text for e in r.of(AgentOutput, agent="Talker", stream="text"))
    assert shown == "piece 0\n" and paced.client_gone.wait(BOUND)
    [crossed] = r.of(CapCrossed)
    assert (crossed.cap, crossed.agent, crossed.stopped) == (
        "agent_max_tokens",
        "Talker",
        ["Talker"],
    )


async def test_the_agent_timeout_cap_stops_a_longer_run_and_says_which_limit(
    tmp_path: Path,
) -> None:
    """`[agent_caps] timeout` bounds every agent (its own `timeout` too, when longer), and
    the reason names it; an agent's own shorter `timeout` is its own."""
    r = await run(
        one_message(task(0, "Sleeper", timeout=300.0), task(1, "Brief", timeout=0.2)),
        tmp_path,
        backend="command",
        command_template="sleep 300",
        agent_caps=AgentCaps(timeout=0.3),
    )
    sleeper, brief = r.state.agents["Sleeper"], r.state.agents["Brief"]
    assert sleeper.status == "failed"
    assert sleeper.reason == "timed out after 0.3 s ([agent_caps] timeout)"
    assert brief.status == "failed" and brief.reason == "timed out after 0.2 s"


def test_a_budget_under_a_cent_is_said_as_it_is_not_as_nothing() -> None:
    from swarmtui.engine.caps import Crossed, dollars

    # (a budget of $0.0003 read "the session's budget of $0.00 was crossed")
    crossed = Crossed("session_budget_usd", 0.0003, 0.0005)
    assert crossed.reason == "stopped: the session's budget of $0.0003 was crossed ($0.0005 spent)"
    assert [dollars(v) for v in (2.5, 3, 0.01, 0.0003, 0.00052345)] == [
        "$2.50",
        "$3.00",
        "$0.01",
        "$0.0003",
        "$0.000523",
    ]


async def test_a_budget_of_nothing_refuses_what_it_can_price_and_runs_what_it_cannot(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # (the issue: SW020 said the budget could not be enforced for the unpriced agent, and then
    # every agent was skipped as over a budget of which nothing was spent)
    batch = one_message(task(0, "Local", model="local-model"), task(1, "Paid"))
    r = await run(batch, tmp_path, budget_usd=0.0, **_settings(fake_server.base_url))
    local, paid = r.state.agents["Local"], r.state.agents["Paid"]
    assert local.status == "done" and local.result == "Hello from the fake"
    assert paid.status == "skipped" and paid.started_at is None
    assert paid.reason == "the budget of $0.00 allows no spending; not started"
    [warning] = [d.message for d in r.state.diagnostics if d.code == "SW020"]
    assert warning.startswith("budget of $0.00 cannot be enforced for Local: ")
    assert "they start unless priced agents have spent the budget" in warning
    asked = [r.json()["model"] for r in fake_server.requests if r.method == "POST"]
    assert asked == ["local-model"]  # the paid one never reached the server


async def test_a_budget_of_nothing_runs_a_model_priced_at_nothing(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # (the docs tell users to price a free local model at 0; it was refused as if it could spend)
    batch = one_message(task(0, "Free", model="free-model"), task(1, "Paid"))
    prices = {"free-model": Price(input=0.0, output=0.0), "fake-model": Price(input=1, output=1)}
    settings = {**_settings(fake_server.base_url), "prices": prices}
    r = await run(batch, tmp_path, budget_usd=0.0, **settings)
    free, paid = r.state.agents["Free"], r.state.agents["Paid"]
    assert free.status == "done" and free.result == "Hello from the fake"
    assert paid.reason == "the budget of $0.00 allows no spending; not started"
    assert [d for d in r.state.diagnostics if d.code == "SW020"] == []  # it can be counted
