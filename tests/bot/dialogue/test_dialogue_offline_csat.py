"""Offline messages become tickets; CSAT after resolution; state, catalog and sandbox rules."""

from __future__ import annotations

import re

import pytest
from dialogue_helpers import Chat, Pred, context, example, make_engine

from kefu.bot.dialogue import DialogueState, parse_csat, start_csat
from kefu.bot.dialogue.catalog import MESSAGE_KEYS, message_catalog
from kefu.bot.dialogue.render import RenderValues, TemplateRenderer
from kefu.core.errors import InvalidInput

# ------------------------------------------------------------------ business hours


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_offline_request_collects_message_and_contact_into_a_ticket(language: str) -> None:
    ctx = context(language, open_now=False, reachable=False)
    chat = Chat(make_engine("ecommerce", language), ctx)
    intro = chat.say(example("ecommerce", language, "talk_to_human"))
    assert intro.handoff is None and "Mon-Fri 9:00-18:00" in chat.text(intro)
    assert intro.state.offline_step == "message"
    asked = chat.say("my parcel came without the charger")
    assert chat.text(asked) == chat.engine.catalog.text(language, "offline_contact")
    retry = chat.say("later")
    assert chat.text(retry) == chat.engine.catalog.text(language, "offline_contact_retry")
    done = chat.say("ann@example.com")
    assert done.handoff is not None and done.handoff.reason == "offline_ticket"
    assert done.handoff.contact_detail == "ann@example.com"
    assert "my parcel came without the charger" in done.handoff.summary
    assert done.handoff.intent == "talk_to_human"
    assert chat.text(done) == chat.engine.catalog.text(language, "offline_done")
    assert chat.say("hello?").messages == ()


def test_offline_with_a_reachable_channel_needs_no_contact_detail() -> None:
    chat = Chat(make_engine("ecommerce", "pl"), context("pl", open_now=False))
    chat.say(example("ecommerce", "pl", "talk_to_human"))
    done = chat.say("prosze o fakture na firme")
    assert done.handoff is not None and done.handoff.reason == "offline_ticket"
    assert done.handoff.contact_detail is None


def test_offline_complaint_keeps_its_priority_and_phone_is_accepted() -> None:
    ctx = context("zh-CN", open_now=False, reachable=False)
    chat = Chat(make_engine("ecommerce", "zh-CN"), ctx)
    chat.say(example("ecommerce", "zh-CN", "complaint"))
    chat.say("快递员态度很差")
    done = chat.say("电话 138 0013 8000")
    assert done.handoff is not None and done.handoff.priority == 10
    assert done.handoff.contact_detail == "138 0013 8000"
    assert "(complaint)" in done.handoff.summary


def test_offline_message_is_never_lost_when_the_contact_stays_unreadable() -> None:
    ctx = context(open_now=False, reachable=False)
    chat = Chat(make_engine("ecommerce", "en"), ctx)
    chat.say(example("ecommerce", "en", "talk_to_human"))
    chat.say("need an invoice")
    chat.say("nope")
    done = chat.say("no thanks")
    assert done.handoff is not None and "need an invoice" in done.handoff.summary
    assert "no thanks" in done.handoff.summary


def test_open_hours_answer_intents_normally_while_closed() -> None:
    chat = Chat(make_engine("ecommerce", "en"), context(open_now=False))
    turn = chat.say(example("ecommerce", "en", "shipping_cost"))
    assert turn.intent == "shipping_cost" and turn.state.offline_step is None


def test_offline_without_hours_text() -> None:
    chat = Chat(make_engine("ecommerce", "en"), context(open_now=False, business_hours=""))
    turn = chat.say("qwerty")
    turn = chat.say("qwerty")
    assert chat.text(turn) == chat.engine.catalog.text("en", "offline_intro_no_hours")


# ------------------------------------------------------------------ CSAT


@pytest.mark.parametrize(
    ("language", "question"),
    [("en", "How would you rate"), ("zh-CN", "打分"), ("zh-TW", "評分"), ("pl", "oceniasz")],
)
def test_csat_after_resolution_asks_in_the_customer_language(language: str, question: str) -> None:
    chat = Chat(make_engine("ecommerce", language), context(language))
    chat.say(example("ecommerce", language, "talk_to_human"))
    assert chat.state.handed_off
    turn = chat.engine.start_csat(chat.state, chat.ctx)
    chat.state = turn.state
    (message,) = turn.messages
    assert question in message.text
    assert [b.payload for b in message.quick_replies] == [f"csat:{n}" for n in (5, 4, 3, 2, 1)]
    assert message.quick_replies[0].title.endswith(message_catalog().csat_labels(language)[4])
    assert not turn.state.handed_off and turn.state.csat_pending
    rated = chat.say(message.quick_replies[1].title, payload="csat:4")
    assert rated.csat is not None and rated.csat.score == 4
    assert chat.text(rated) == message_catalog().text(language, "csat_thanks")
    assert not rated.state.csat_pending


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5", 5),
        ("4/5", 4),
        ("3 stars", 3),
        ("⭐⭐", 2),
        ("★★★★★", 5),
        ("good", 4),
        ("very good", 5),
        ("not good", 2),
        ("dobrze", 4),
        ("bardzo dobrze", 5),
        ("słabo", 2),
        ("很好", 5),
        ("不满意", 2),
        ("非常不滿意", 1),
        ("一般般吧", 3),
        ("5分", 5),
    ],
)
def test_csat_answers_are_parsed(text: str, score: int) -> None:
    assert parse_csat(text) == score


@pytest.mark.parametrize("text", ["where is order 12345", "1 or 5", "10", "hello", "0"])
def test_non_scores_are_not_parsed(text: str) -> None:
    assert parse_csat(text) is None


def test_a_new_question_instead_of_a_rating_is_answered() -> None:
    chat = Chat(make_engine("ecommerce", "en"), context())
    chat.state = start_csat(DialogueState(), "en").state
    turn = chat.say(example("ecommerce", "en", "shipping_cost"))
    assert turn.csat is None and turn.intent == "shipping_cost"


# ------------------------------------------------------------------ language


def test_language_follows_the_classifier_detection() -> None:
    engine = make_engine("ecommerce", "zh-CN")

    class Traditional:
        def predict(self, text: str) -> Pred:
            return Pred(None, 0.0, True, [], "zh-Hant")

    engine.classifier = Traditional()
    turn = Chat(engine, context(None)).say("嗯嗯嗯")  # type: ignore[arg-type]
    assert turn.messages[0].text == message_catalog().text("zh-TW", "rephrase")
    assert turn.state.language == "zh-TW"


def test_language_falls_back_to_the_pack() -> None:
    turn = Chat(make_engine("ecommerce", "pl"), context(None)).say("xyz")  # type: ignore[arg-type]
    assert turn.messages[0].text == message_catalog().text("pl", "rephrase")


# ------------------------------------------------------------------ state, catalog, sandbox


def test_state_round_trips_and_rejects_bad_input() -> None:
    state = DialogueState(active_intent="order_status", slots={"order_number": "A1"}, failed=1)
    assert DialogueState.from_dict(state.to_dict()) == state
    for bad in (
        {"failed": -1},
        {"greeted": "yes"},
        {"slots": {"a": 1}},
        {"mood": "happy"},
        {"version": 99},
        {"offline_step": "later"},
    ):
        with pytest.raises(InvalidInput):
            DialogueState.from_dict(bad)
    with pytest.raises(InvalidInput):
        DialogueState.from_dict([])  # type: ignore[arg-type]


def test_every_language_has_every_message_with_the_same_placeholders() -> None:
    catalog = message_catalog()
    for key in MESSAGE_KEYS:
        placeholders = {
            language: set(re.findall(r"{(\w+)}", catalog.entries[language][key]))
            for language in catalog.entries
        }
        assert len({frozenset(p) for p in placeholders.values()}) == 1, key


def test_sandbox_reads_only_whitelisted_values() -> None:
    renderer = TemplateRenderer()
    values = RenderValues("Ann", "Acme", "9-17")
    assert renderer.render("{{ order.number }}|{{ nope.deep.x }}|{{ contact.name }}", values) == (
        "||Ann"
    )
    leaked = renderer.render("{{ contact.__class__.__mro__ }}{{ ''.__class__ }}", values)
    assert "class" not in leaked and "dict" not in leaked
    assert renderer.render("{{ contact.phone }}{{ workspace.secret }}", values) == ""
