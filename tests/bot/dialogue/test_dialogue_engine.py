"""The dialogue engine on the real packs with a tiny exact-match classifier."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from dialogue_helpers import Cand, Chat, context, example, make_engine

from kefu.bot.dialogue import (
    BookingRequest,
    ConnectorUnavailable,
    DialogueState,
    InMemoryShop,
    Order,
    Product,
)
from kefu.bot.packs import load_pack

# ------------------------------------------------------------------ greeting and answers


@pytest.mark.parametrize(
    ("language", "words"), [("en", ["Hi Ann", "Welcome to Acme"]), ("zh-CN", ["Ann", "Acme"])]
)
def test_greet_renders_the_pack_greeting_with_buttons(language: str, words: list[str]) -> None:
    engine = make_engine("ecommerce", language)
    turn = engine.greet(DialogueState(), context(language))
    (message,) = turn.messages
    for word in words:
        assert word in message.text
    assert "{" not in message.text
    assert message.quick_replies[0].payload == "intent:order_status"
    assert turn.state.greeted and turn.handoff is None


def test_workspace_greeting_overrides_and_empty_name_leaves_no_gap() -> None:
    engine = make_engine("ecommerce", "en")
    custom = engine.greet(DialogueState(), context(greeting="Hello from {{ workspace.name }}!"))
    assert custom.messages[0].text == "Hello from Acme!"
    anonymous = engine.greet(DialogueState(), context(contact_name=""))
    assert anonymous.messages[0].text.startswith("Hi! Welcome to Acme.")


@pytest.mark.parametrize("language", ["en", "zh-CN", "zh-TW", "pl"])
def test_answer_uses_business_hours_variable(language: str) -> None:
    chat = Chat(make_engine("ecommerce", language), context(language))
    turn = chat.say(example("ecommerce", language, "business_hours"))
    assert turn.intent == "business_hours"
    assert "Mon-Fri 9:00-18:00" in chat.text(turn)
    assert turn.handoff is None and turn.understood


def test_quick_reply_selects_intent_without_the_classifier() -> None:
    engine = make_engine("ecommerce", "en")
    chat = Chat(engine, context())
    turn = chat.say("Shipping costs", payload="intent:shipping_cost")
    assert turn.intent == "shipping_cost"
    assert engine.classifier.calls == 0  # type: ignore[attr-defined]
    assert chat.text(turn) == chat.engine._renderer.render(  # same answer as the template
        load_pack("ecommerce", "en").intent("shipping_cost").answer,
        chat.engine._values(chat.ctx, {}, None),
    )


def test_template_failure_gives_a_clear_fallback_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = make_engine("ecommerce", "en")
    broken = engine._intents["shipping_cost"].model_copy(update={"answer": "{{ 1 / 0 }}"})
    engine._intents["shipping_cost"] = broken
    with caplog.at_level(logging.ERROR):
        turn = Chat(engine, context()).say("x", payload="intent:shipping_cost")
    assert "can't show this answer" in turn.messages[0].text
    assert "shipping_cost" in caplog.text


# ------------------------------------------------------------------ slot filling


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_order_status_asks_validates_looks_up_and_shows_a_card(language: str) -> None:
    pack = load_pack("ecommerce", language)
    slot = pack.intent("order_status").slots[0]
    chat = Chat(make_engine("ecommerce", language), context(language))
    asked = chat.say(example("ecommerce", language, "order_status"))
    assert chat.text(asked) == slot.prompt
    assert asked.state.pending_slot == "order_number"
    retry = chat.say("???")
    assert chat.text(retry) == slot.retry_prompt and not retry.understood
    answered = chat.say("kf-10234")
    text = chat.text(answered)
    assert "KF-10234" in text and "shipped" in text and "0034 5566" in text
    card = answered.messages[-1].card
    assert card is not None and card.kind == "order"
    assert (card.number, card.carrier, card.eta, card.total) == (
        "KF-10234",
        "DPD",
        "Friday",
        "149.00 PLN",
    )
    assert answered.state.pending_slot is None and answered.state.active_intent is None
    assert answered.handoff is None


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_slot_retry_once_then_handoff_not_understood(language: str) -> None:
    chat = Chat(make_engine("ecommerce", language), context(language))
    chat.say(example("ecommerce", language, "order_status"))
    chat.say("???")
    turn = chat.say("!?")
    assert turn.handoff is not None and turn.handoff.reason == "not_understood"
    assert turn.handoff.intent == "order_status"
    assert turn.state.handed_off
    assert chat.say("hello?").messages == ()


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_unknown_order_number_gets_one_more_try(language: str) -> None:
    chat = Chat(make_engine("ecommerce", language), context(language))
    chat.say(example("ecommerce", language, "order_status"))
    missing = chat.say("ZZ-99999")
    assert "ZZ-99999" in chat.text(missing) and missing.handoff is None
    assert missing.state.pending_slot == "order_number"
    found = chat.say("A1234")
    assert "being packed" in chat.text(found)
    chat.say(example("ecommerce", language, "order_status"))
    chat.say("ZZ-99999")
    gave_up = chat.say("ZZ-88888")
    assert gave_up.handoff is not None and gave_up.handoff.reason == "not_understood"
    assert "order_number=ZZ-88888" in gave_up.handoff.summary


def test_order_number_in_the_first_message_is_used_at_once() -> None:
    chat = Chat(
        make_engine("ecommerce", "en", extra={"where is kf-10234": "order_status"}), context()
    )
    turn = chat.say("where is KF-10234")
    assert "shipped" in chat.text(turn)
    assert turn.messages[-1].card is not None


def test_switching_topic_during_slot_filling() -> None:
    chat = Chat(make_engine("ecommerce", "en"), context())
    chat.say(example("ecommerce", "en", "order_status"))
    turn = chat.say(example("ecommerce", "en", "shipping_cost"))
    assert turn.intent == "shipping_cost" and turn.state.pending_slot is None


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_table_booking_fills_three_slots_and_creates_the_booking(language: str) -> None:
    shop = InMemoryShop()
    pack = load_pack("catering", language)
    intent = pack.intent("make_reservation")
    chat = Chat(make_engine("catering", language, shop=shop), context(language))
    turn = chat.say(example("catering", language, "make_reservation"))
    for slot in intent.slots:
        assert chat.text(turn) == slot.prompt
        turn = chat.say(slot.example)
    assert shop.created == [
        BookingRequest(
            date=intent.slots[0].example,
            party_size=intent.slots[2].example,
            time=intent.slots[1].example,
            item=None,
            contact_name="Ann",
        )
    ]
    assert intent.slots[2].example in chat.text(turn) or "Ann" in chat.text(turn)
    assert turn.handoff is None and shop.bookings["B-1"].date == intent.slots[0].example


def test_tour_booking_passes_the_trip_name_and_renders_it() -> None:
    shop = InMemoryShop()
    intent = load_pack("tourism", "en").intent("book_tour")
    chat = Chat(make_engine("tourism", "en", shop=shop), context())
    chat.say("x", payload="intent:book_tour")
    for slot in intent.slots:
        turn = chat.say(slot.example)
    assert shop.created[0].item == intent.slots[0].example
    assert intent.slots[0].example in chat.text(turn)


def test_connector_down_hands_off() -> None:
    class DownShop(InMemoryShop):
        def lookup_order(self, number: str) -> Order | None:
            raise ConnectorUnavailable("timeout")

    chat = Chat(make_engine("ecommerce", "en", shop=DownShop()), context())
    chat.say(example("ecommerce", "en", "order_status"))
    turn = chat.say("KF-10234")
    assert turn.handoff is not None and turn.handoff.reason == "rule"


def test_product_card_from_the_connector() -> None:
    shop = InMemoryShop(products={"hoodie": Product("Blue hoodie", "199 PLN", "https://s/h")})
    engine = make_engine(
        "ecommerce", "en", shop=shop, extra={"price of the hoodie?": "product_price"}
    )
    turn = Chat(engine, context()).say("price of the hoodie?")
    card = turn.messages[-1].card
    assert card is not None and card.kind == "product"
    assert (card.title, card.price, card.url) == ("Blue hoodie", "199 PLN", "https://s/h")


# ------------------------------------------------------------------ clarify and fallback


@pytest.mark.parametrize(("language", "marker"), [("en", "Did you mean"), ("zh-CN", "还是")])
def test_close_intents_get_a_clarifying_question(language: str, marker: str) -> None:
    engine = make_engine(
        "ecommerce", language, ambiguous={"my money": ("refund_status", "duplicate_charge")}
    )
    chat = Chat(engine, context(language))
    turn = chat.say("my money")
    (message,) = turn.messages
    assert marker in message.text
    assert [b.payload for b in message.quick_replies] == [
        "intent:refund_status",
        "intent:duplicate_charge",
    ]
    picked = chat.say(message.quick_replies[1].title, payload=message.quick_replies[1].payload)
    assert picked.intent == "duplicate_charge"


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_fallback_rephrases_once_then_hands_off(language: str) -> None:
    chat = Chat(make_engine("ecommerce", language), context(language))
    first = chat.say("qwerty zxcv")
    assert first.handoff is None and not first.understood
    assert first.messages[0].text == chat.engine.catalog.text(language, "rephrase")
    second = chat.say("asdf ghjk")
    assert second.handoff is not None and second.handoff.reason == "not_understood"
    assert second.messages[0].text == chat.engine.catalog.text(language, "not_understood_handoff")


def test_understood_message_resets_the_fallback_count() -> None:
    chat = Chat(make_engine("ecommerce", "en"), context())
    chat.say("qwerty")
    chat.say(example("ecommerce", "en", "shipping_cost"))
    assert chat.say("qwerty").handoff is None


# ------------------------------------------------------------------ people, complaints, anger


@pytest.mark.parametrize("language", ["en", "zh-CN", "zh-TW", "pl"])
def test_talk_to_human_intent_hands_off_and_the_bot_goes_quiet(language: str) -> None:
    chat = Chat(make_engine("ecommerce", language), context(language))
    turn = chat.say(example("ecommerce", language, "talk_to_human", 1))
    assert turn.handoff is not None and turn.handoff.reason == "asked_for_human"
    assert turn.handoff.intent == "talk_to_human" and turn.handoff.priority == 0
    assert "Mon-Fri 9:00-18:00" in chat.text(turn)
    assert chat.say(example("ecommerce", language, "shipping_cost")).messages == ()
    assert chat.engine.greet(chat.state, chat.ctx).messages == ()


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh-CN", "麻烦给我转人工客服谢谢"),
        ("zh-CN", "我不要机器人，要真人"),
        ("zh-TW", "請幫我轉專人處理"),
        ("zh-TW", "可以轉人工嗎拜託"),
        ("en", "pls get me a real person now"),
        ("en", "can i chat with a human"),
        ("en", "any agent there?"),
        ("pl", "daj mi konsultanta prosze"),
        ("pl", "chce pogadac z czlowiekiem"),
        ("pl", "potrzebuję porozmawiać z kimś"),
    ],
)
def test_keyword_safety_net_catches_what_the_classifier_misses(language: str, text: str) -> None:
    engine = make_engine("ecommerce", language)
    assert engine.classifier.predict(text).out_of_scope
    turn = Chat(engine, context(language)).say(text)
    assert turn.handoff is not None and turn.handoff.reason == "asked_for_human"


def test_weak_keyword_does_not_override_a_confident_intent() -> None:
    engine = make_engine("ecommerce", "zh-CN", extra={"客服几点上班": "business_hours"})
    turn = Chat(engine, context("zh-CN")).say("客服几点上班")
    assert turn.handoff is None and turn.intent == "business_hours"


@pytest.mark.parametrize("language", ["en", "zh-CN", "zh-TW", "pl"])
def test_complaint_intent_hands_off_with_priority(language: str) -> None:
    chat = Chat(make_engine("ecommerce", language), context(language))
    turn = chat.say(example("ecommerce", language, "complaint"))
    assert turn.handoff is not None and turn.handoff.reason == "complaint"
    assert turn.handoff.priority == 10


@pytest.mark.parametrize(
    "text",
    [
        "WHERE IS MY PARCEL ALREADY",
        "where is it!!!",
        "this shop is a scam",
        "你们就是骗子",
        "给差评",
        "騙子商店",
        "to jest oszustwo",
        "what the fuck",
    ],
)
def test_angry_messages_hand_off_as_complaints(text: str) -> None:
    turn = Chat(make_engine("ecommerce", "en"), context()).say(text)
    assert turn.handoff is not None and turn.handoff.reason == "complaint"
    assert turn.handoff.priority == 10
    assert "customer: " + text in turn.handoff.summary


def test_vip_gets_a_priority_bonus_or_goes_straight_to_a_person() -> None:
    vip = context(vip=True)
    turn = Chat(make_engine("ecommerce", "en"), vip).say(example("ecommerce", "en", "complaint"))
    assert turn.handoff is not None and turn.handoff.priority == 15
    direct = Chat(make_engine("ecommerce", "en", vip_direct=True), vip).say("hi")
    assert direct.handoff is not None and direct.handoff.reason == "vip"


def test_a_capitalised_order_number_is_a_slot_value_not_shouting() -> None:
    orders = {"ABCDEFGHIJ-1": Order("ABCDEFGHIJ-1", "delivered")}
    chat = Chat(make_engine("ecommerce", "en", shop=InMemoryShop(orders)), context())
    chat.say(example("ecommerce", "en", "order_status"))
    turn = chat.say("ABCDEFGHIJ-1")
    assert turn.handoff is None and "delivered" in chat.text(turn)


def test_faq_predictions_are_answered_with_their_text() -> None:
    @dataclass(frozen=True)
    class FaqPred:
        intent: str | None
        confidence: float
        out_of_scope: bool
        top: Sequence[Cand]
        language: str | None
        kind: str
        answer: str

    class FaqClassifier:
        def predict(self, text: str) -> FaqPred:
            return FaqPred("faq-7", 0.9, False, [Cand("faq-7", 0.9)], "en", "faq", "We ship daily.")

    engine = make_engine("ecommerce", "en")
    engine.classifier = FaqClassifier()
    turn = Chat(engine, context()).say("do you ship on sundays")
    assert turn.messages[0].text == "We ship daily." and turn.intent == "faq-7"
