"""Pack statistics: sizes, twin-language overlap and the lexical separability baseline."""

from __future__ import annotations

import random
from typing import Any

from kefu.bot.packs.loader import load_pack
from kefu.bot.packs.schema import MIN_EXAMPLES, REQUIRED_INTENTS, Catalog, PackFile, build_pack
from kefu.bot.packs.stats import pack_stats, separability, verbatim_share

FILLERS = [
    "please",
    "could",
    "you",
    "tell",
    "me",
    "about",
    "the",
    "when",
    "where",
    "how",
    "is",
    "do",
    "any",
    "help",
]
KEYWORDS = [
    "apple",
    "banana",
    "cherry",
    "dragon",
    "eagle",
    "falcon",
    "guitar",
    "harbor",
    "igloo",
    "jacket",
    "kettle",
    "lemon",
    "mango",
    "needle",
    "orange",
    "pepper",
    "quartz",
    "rabbit",
    "saddle",
    "tomato",
    "umbrella",
    "violin",
    "walnut",
    "xylophone",
    "yogurt",
    "zebra",
    "anchor",
    "bottle",
    "candle",
    "donkey",
    "engine",
    "feather",
    "garlic",
    "hammer",
    "island",
    "jungle",
    "koala",
    "lantern",
    "mirror",
    "nutmeg",
]


def synthetic(same_keyword: tuple[str, ...] = ()) -> Any:
    """A minimal pack whose intents differ only by one keyword; ``same_keyword`` share one."""
    names = list(REQUIRED_INTENTS) + [f"topic_{i}" for i in range(34)]
    words = {name: KEYWORDS[i] for i, name in enumerate(names)}
    for name in same_keyword:
        words[name] = words[same_keyword[0]]
    catalog = Catalog.model_validate(
        {
            "industry": "ecommerce",
            "intents": [
                {"name": n, "description": n, "handoff": REQUIRED_INTENTS.get(n)} for n in names
            ],
        }
    )
    filler = random.Random(7)
    seen: set[str] = set()

    def phrasing(keyword: str) -> str:
        # Random filler words around the keyword; redrawn until unique within the pack.
        while True:
            words_around = filler.sample(FILLERS, 3)
            text = f"{words_around[0]} {keyword} {words_around[1]} {words_around[2]}"
            if text not in seen:
                seen.add(text)
                return text

    intents = {
        name: {"examples": [phrasing(words[name]) for _ in range(MIN_EXAMPLES)], "answer": "ok"}
        for name in names
    }
    return build_pack(
        catalog,
        PackFile.model_validate({"industry": "ecommerce", "language": "en", "intents": intents}),
    )


def test_pack_stats_counts() -> None:
    pack = load_pack("catering", "en")
    stats = pack_stats(pack)
    assert stats.intents == len(pack.intents)
    assert stats.examples == sum(len(i.examples) for i in pack.intents)
    assert stats.min_examples >= MIN_EXAMPLES
    assert stats.slot_intents == 3  # make_reservation, check_reservation, delivery_order_status
    assert stats.handoff_intents == 2


def test_verbatim_share_is_one_for_itself_and_sees_conversions() -> None:
    pack = load_pack("ecommerce", "en")
    assert verbatim_share(pack, pack) == 1.0
    assert verbatim_share(pack, pack, str.upper) == 1.0  # normalisation casefolds
    assert verbatim_share(pack, pack, lambda text: text + " xyz") == 0.0


def test_separability_reflects_how_distinct_intents_are_written() -> None:
    assert separability(synthetic()) > 0.95
    # Four intents written with the same words cannot be told apart: about 3 in 4 of their
    # examples go wrong, i.e. 4 * 12 * 3/4 = 36 of 480.
    blurred = separability(synthetic(("topic_0", "topic_1", "topic_2", "topic_3")))
    assert 0.85 < blurred < 0.97
    shipped = separability(load_pack("tourism", "en"))
    chance = 1 / len(load_pack("tourism", "en").intents)
    assert shipped > 10 * chance
    assert separability(load_pack("tourism", "en")) == shipped  # deterministic
