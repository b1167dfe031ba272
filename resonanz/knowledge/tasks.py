"""Knowledge tasks: past agent replies follow into the suggestion index."""

from __future__ import annotations

from resonanz.core.scheduler import periodic


@periodic("knowledge.index_agent_replies", every_seconds=60)
def index_agent_replies() -> None:
    from resonanz.knowledge.actions import do_index_agent_replies

    do_index_agent_replies()
