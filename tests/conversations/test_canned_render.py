"""Canned responses fill their variables from the conversation; missing values read naturally."""

from __future__ import annotations

from typing import Any

from kefu.conversations import canned
from kefu.conversations.service import Inbound, Limits, ingest, list_for_agent
from kefu.store.db import transaction


def test_missing_contact_name_drops_the_variable_cleanly(factory: Any, seed: Any) -> None:
    ingest(
        factory,
        inbox_id=seed.inbox_id,
        inbound=Inbound(external_sender_id="anon", text="hi", channel_message_id="m1"),
        limits=Limits(),
    )
    from kefu.agents.models import Agent

    with transaction(factory) as s:
        agent = s.get(Agent, seed.agent_id)
        row = canned.create(
            s,
            workspace_id=seed.workspace_id,
            short_code="hi",
            text="Hello {{contact.name}}, I am {{agent.name}}.",
        )
        conv = list_for_agent(s, agent=agent)[0]
        text = canned.render(s, agent=agent, canned_id=row.id, conversation_id=conv.id)
    assert text == "Hello, I am Ala Agent."
