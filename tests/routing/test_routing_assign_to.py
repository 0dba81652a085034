"""Assignments made by hand: the engine follows them and keeps its books right."""

from __future__ import annotations

from kefu.routing import (
    AgentSpec,
    CollectingListener,
    ConversationRequest,
    RoutingEngine,
    SimulationScheduler,
    load_config,
)


def _engine() -> tuple[RoutingEngine, CollectingListener]:
    config = load_config(
        {"default_queue": "general", "queues": [{"id": "general", "auto_accept": True}]}
    )
    listener = CollectingListener()
    engine = RoutingEngine(config, SimulationScheduler(), listener)
    for agent_id in ("a", "b"):
        engine.add_agent(AgentSpec(id=agent_id, skills={"general": 5}, capacity={"chat": 1}))
    return engine, listener


def test_hand_assignment_of_a_waiting_conversation_takes_it_out_of_the_queue() -> None:
    engine, _ = _engine()
    engine.enqueue(ConversationRequest(id="c1"))  # nobody online: it waits
    assert engine.waiting_count("general") == 1
    engine.assign_to("c1", "b")
    assert engine.waiting_count("general") == 0
    assert engine.conversation_status("c1").agent_id == "b"
    engine.set_presence("b", "online")
    engine.enqueue(ConversationRequest(id="c2"))
    # b is full (capacity 1 holds c1): c2 waits rather than going over capacity.
    assert engine.conversation_status("c2").agent_id is None


def test_transfer_moves_the_load_and_frees_the_first_agent() -> None:
    engine, _ = _engine()
    engine.set_presence("a", "online")
    engine.enqueue(ConversationRequest(id="c1"))
    assert engine.conversation_status("c1").agent_id == "a"
    engine.enqueue(ConversationRequest(id="c2"))  # waits: a is full, b offline
    engine.assign_to("c1", "b")  # a supervisor transfers c1 to b
    assert engine.conversation_status("c1").agent_id == "b"
    # a is free again and takes the waiting c2 at once: no polling.
    assert engine.conversation_status("c2").agent_id == "a"


def test_unknown_conversation_is_adopted_and_released_normally() -> None:
    engine, _ = _engine()
    engine.assign_to("from-bot", "a", channel="web")
    assert engine.agent_status("a").conversations == frozenset({"from-bot"})
    assert engine.agent_status("a").load == {"chat": 1}
    engine.release("from-bot")
    assert "from-bot" not in engine.conversation_ids()
