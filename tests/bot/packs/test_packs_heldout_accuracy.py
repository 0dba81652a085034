"""Every pack's held-out accuracy stays within 2 points of the figure reported in the README
(tests/bot/packs/heldout/reported.json, written by bench/packs_heldout.py --write)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kefu.bot.packs import load_pack
from kefu.bot.packs.evaluation import evaluate_pack

HELDOUT = Path(__file__).parent / "heldout"
REPORTED = json.loads((HELDOUT / "reported.json").read_text(encoding="utf-8"))
TOLERANCE = 2.0


@pytest.mark.slow
@pytest.mark.parametrize("pack_id", sorted(REPORTED))
def test_heldout_accuracy_holds(pack_id: str) -> None:
    industry, language = pack_id.split("/")
    with (HELDOUT / industry / f"{language}.csv").open(encoding="utf-8", newline="") as handle:
        rows = [(row["text"], row["intent"]) for row in csv.DictReader(handle)]
    result = evaluate_pack(load_pack(industry, language), rows)
    assert result.heldout_rows >= 5 * result.intents * 0.8
    assert result.accuracy >= REPORTED[pack_id] - TOLERANCE, (
        f"{pack_id}: {result.accuracy} % on held-out phrasings, reported {REPORTED[pack_id]} %"
    )
