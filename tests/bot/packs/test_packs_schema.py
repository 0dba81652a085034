"""The pack rules on small synthetic packs: each rule rejects what it should, accepts the rest."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kefu.bot.packs.schema import (
    MIN_EXAMPLES,
    MIN_INTENTS,
    REQUIRED_INTENTS,
    TEMPLATE_VARIABLES,
    Catalog,
    PackFile,
    PackIntent,
    Slot,
    build_pack,
    normalize_example,
    template_variables,
)

ORDER_SLOT: dict[str, Any] = {
    "name": "order_number",
    "prompt": "Your order number?",
    "retry_prompt": "That does not look like an order number.",
    "pattern": r"[A-Z0-9-]{5,20}",
    "example": "KF-10234",
    "action": "lookup_order",
}


def catalog_dict(extra: int = MIN_INTENTS - len(REQUIRED_INTENTS)) -> dict[str, Any]:
    intents = [
        {"name": name, "description": f"About {name}.", "handoff": handoff}
        for name, handoff in REQUIRED_INTENTS.items()
    ]
    intents += [
        {"name": f"topic_{i}", "description": f"Topic {i}.", "handoff": None} for i in range(extra)
    ]
    return {"industry": "ecommerce", "intents": intents}


def pack_dict(catalog: dict[str, Any]) -> dict[str, Any]:
    intents = {
        entry["name"]: {
            "examples": [f"{entry['name']} question {n}" for n in range(MIN_EXAMPLES)],
            "answer": "Hello {{ contact.name }}, we answer during {{ business_hours }}.",
        }
        for entry in catalog["intents"]
    }
    return {"industry": "ecommerce", "language": "en", "intents": intents}


def build(catalog: dict[str, Any], pack: dict[str, Any]) -> Any:
    return build_pack(Catalog.model_validate(catalog), PackFile.model_validate(pack))


def intent(**overrides: Any) -> PackIntent:
    fields: dict[str, Any] = {
        "name": "order_status",
        "description": "Where is my order.",
        "examples": [f"where is order {n}" for n in range(MIN_EXAMPLES)],
        "answer": "Order {{ order.number }} is {{ order.status }}.",
        "slots": [ORDER_SLOT],
    }
    fields.update(overrides)
    return PackIntent.model_validate(fields)


def test_a_minimal_valid_pack_builds() -> None:
    catalog = catalog_dict()
    pack = build(catalog, pack_dict(catalog))
    assert len(pack.intents) == MIN_INTENTS
    assert pack.intent("talk_to_human").handoff == "asked_for_human"
    assert pack.intent("complaint").handoff == "complaint"
    with pytest.raises(KeyError):
        pack.intent("nope")


def test_catalog_needs_forty_intents() -> None:
    with pytest.raises(ValidationError, match="at least 40"):
        Catalog.model_validate(catalog_dict(extra=MIN_INTENTS - len(REQUIRED_INTENTS) - 1))


def test_catalog_rejects_duplicate_names() -> None:
    catalog = catalog_dict()
    catalog["intents"].append(dict(catalog["intents"][-1]))
    with pytest.raises(ValidationError, match="duplicate intent names: topic_33"):
        Catalog.model_validate(catalog)


@pytest.mark.parametrize("name", sorted(REQUIRED_INTENTS))
def test_catalog_requires_the_core_intents(name: str) -> None:
    catalog = catalog_dict(extra=MIN_INTENTS)
    catalog["intents"] = [i for i in catalog["intents"] if i["name"] != name]
    with pytest.raises(ValidationError, match=f"required intent '{name}'"):
        Catalog.model_validate(catalog)


def test_catalog_requires_handoff_on_talk_to_human() -> None:
    catalog = catalog_dict()
    catalog["intents"][3]["handoff"] = None
    assert catalog["intents"][3]["name"] == "talk_to_human"
    with pytest.raises(ValidationError, match="must have handoff 'asked_for_human'"):
        Catalog.model_validate(catalog)


def test_catalog_rejects_unknown_industry_and_handoff() -> None:
    catalog = catalog_dict()
    catalog["industry"] = "banking"
    with pytest.raises(ValidationError, match="industry"):
        Catalog.model_validate(catalog)
    catalog = catalog_dict()
    catalog["intents"][-1]["handoff"] = "bored"
    with pytest.raises(ValidationError, match="handoff"):
        Catalog.model_validate(catalog)


def test_pack_rejects_unknown_language() -> None:
    catalog = catalog_dict()
    pack = pack_dict(catalog)
    pack["language"] = "de"
    with pytest.raises(ValidationError, match="language"):
        build(catalog, pack)


def test_every_catalog_intent_must_be_in_the_language_file() -> None:
    catalog = catalog_dict()
    pack = pack_dict(catalog)
    del pack["intents"]["goodbye"]
    with pytest.raises(ValueError, match="missing in en: \\['goodbye'\\]"):
        build(catalog, pack)


def test_language_file_may_not_invent_intents() -> None:
    catalog = catalog_dict()
    pack = pack_dict(catalog)
    pack["intents"]["weather"] = pack["intents"]["goodbye"]
    with pytest.raises(ValueError, match="not in the catalog: \\['weather'\\]"):
        build(catalog, pack)


def test_an_intent_needs_twelve_examples() -> None:
    with pytest.raises(ValidationError, match="11 examples; at least 12"):
        intent(examples=[f"q {n}" for n in range(MIN_EXAMPLES - 1)])


def test_duplicate_examples_are_caught_after_normalisation() -> None:
    catalog = catalog_dict()
    pack = pack_dict(catalog)
    # Full-width letters, other case and extra spaces: the same phrasing to a classifier.
    pack["intents"]["thanks"]["examples"][0] = "  ＧＲＥＥＴＩＮＧ   Question 0 "
    with pytest.raises(ValidationError, match="duplicates one of 'greeting'"):
        build(catalog, pack)


def test_normalize_example() -> None:
    assert normalize_example("  Gdzie\tmoja   PACZKA？ ") == "gdzie moja paczka?"
    assert normalize_example("ＡＢＣ１２３") == "abc123"
    assert normalize_example("Straße") == normalize_example("STRASSE")


def test_template_variables_reads_dotted_names_without_rendering() -> None:
    source = (
        "{% if contact.name %}Hi {{ contact.name }}{% endif %} {{ order['eta'] }} "
        "{{ slots.order_number | upper }} {{ business_hours }}"
    )
    assert template_variables(source) == {
        "contact.name",
        "order.eta",
        "slots.order_number",
        "business_hours",
    }


def test_template_syntax_error_is_reported() -> None:
    with pytest.raises(ValidationError, match="template syntax error"):
        intent(answer="Order {{ order.number ")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("{{ customer.email }}", "unknown variable"),
        ("{{ order }}", "unknown variable"),
        ("{{ order.address }}", "unknown field"),
        ("{{ booking.date }}", "needs a slot whose action"),
        ("{{ slots.phone }}", "no slot of that name"),
        ("{{ contact.phone }}", "unknown variable"),
        ("{{ self.__init__ }}", "unknown variable"),
    ],
)
def test_unknown_template_variables_are_rejected(answer: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        intent(answer=answer)


def test_lookup_fields_need_the_matching_action() -> None:
    with pytest.raises(ValidationError, match="needs a slot whose action"):
        intent(slots=[], answer="Your order {{ order.number }}")
    assert intent().slots[0].action == "lookup_order"


def test_whitelist_is_exactly_the_documented_names() -> None:
    assert {
        "contact.name",
        "workspace.name",
        "business_hours",
        "order.number",
        "order.status",
        "order.carrier",
        "order.tracking_number",
        "order.eta",
        "order.total",
        "booking.date",
        "booking.time",
        "booking.party_size",
        "course.name",
        "course.schedule",
    } == TEMPLATE_VARIABLES


def test_slot_pattern_must_compile_and_match_its_example() -> None:
    with pytest.raises(ValidationError, match="invalid pattern"):
        Slot.model_validate({**ORDER_SLOT, "pattern": "[A-Z"})
    with pytest.raises(ValidationError, match="does not match its own example"):
        Slot.model_validate({**ORDER_SLOT, "example": "abc"})
    slot = Slot.model_validate(ORDER_SLOT)
    assert slot.accepts(" KF-99881 ")
    assert not slot.accepts("my order")


def test_slot_action_is_a_known_one() -> None:
    with pytest.raises(ValidationError, match="action"):
        Slot.model_validate({**ORDER_SLOT, "action": "delete_order"})


def test_slots_of_one_intent_share_one_action() -> None:
    other = {**ORDER_SLOT, "name": "booking_ref", "action": "lookup_booking"}
    with pytest.raises(ValidationError, match="feed one action"):
        intent(slots=[ORDER_SLOT, other])


def test_quick_replies_are_at_most_four_and_point_to_known_intents() -> None:
    replies = [{"title": f"b{n}", "intent": "thanks"} for n in range(5)]
    with pytest.raises(ValidationError, match="at most 4"):
        intent(quick_replies=replies)
    with pytest.raises(ValidationError, match="same intent"):
        intent(quick_replies=[{"title": "again", "intent": "order_status"}])
    catalog = catalog_dict()
    pack = pack_dict(catalog)
    pack["intents"]["greeting"]["quick_replies"] = [{"title": "Track", "intent": "order_status"}]
    with pytest.raises(ValidationError, match="unknown intent 'order_status'"):
        build(catalog, pack)
    pack["intents"]["greeting"]["quick_replies"] = [{"title": "Person", "intent": "talk_to_human"}]
    assert build(catalog, pack).intent("greeting").quick_replies[0].intent == "talk_to_human"


def test_models_are_immutable() -> None:
    built = intent()
    with pytest.raises(ValidationError):
        built.answer = "changed"  # type: ignore[misc]
    assert isinstance(built.examples, tuple)


def test_unknown_fields_in_a_language_file_are_rejected() -> None:
    catalog = catalog_dict()
    pack = pack_dict(catalog)
    pack["intents"]["greeting"]["answr"] = "typo"
    with pytest.raises(ValidationError, match="answr"):
        build(catalog, pack)
