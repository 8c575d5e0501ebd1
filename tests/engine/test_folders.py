"""Session folders are named after the batch: its title, its file, or the session it came from."""

from __future__ import annotations

from swarmtui.batch.models import Batch, Message
from swarmtui.engine.folders import session_slug

UNTITLED = Batch(messages=[Message(index=1)])


def test_a_session_is_named_after_its_title_else_its_file() -> None:
    titled = Batch(messages=[Message(index=1, title="Build the API")])
    assert session_slug(titled, "dep2.swarm.js") == "build-the-api"
    assert session_slug(UNTITLED, "/work/dep2.swarm.js") == "dep2"
    assert session_slug(UNTITLED, "<stdin>") == "batch"
    assert session_slug(UNTITLED, None) == "batch"


def test_a_fork_or_resume_of_an_untitled_batch_keeps_its_sessions_name() -> None:
    # Its batch is the session's own copy (`batch.swarm.js` in the session folder): named after
    # that session, not `batch` for every fork.
    recorded = "/s/sessions/session-20261201-000859-dep2/batch.swarm.js"
    assert session_slug(UNTITLED, recorded) == "dep2"
    # (a file of that name elsewhere is only a file)
    assert session_slug(UNTITLED, "/work/batch.swarm.js") == "batch"
