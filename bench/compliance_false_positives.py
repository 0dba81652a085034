"""False positives of the compliance gate on ordinary customer-service text, per language,
against a naive baseline measured in the same run.

    .venv/bin/python bench/compliance_false_positives.py

Two corpora of replies a merchant would send without a second thought:
- tests/compliance/corpus/*.txt: everyday replies written for Kefu (zh-CN, zh-TW, en, pl);
- the answers of the shipped script packs (src/kefu/bot/packs/data/*/<language>.yaml), written
  by another engineer, with their template tags removed — counted when present.

For each, the share of replies the gate would block or warn on (personal data included), and
the same for the baseline: the shipped terms looked up as plain substrings of the lower-cased
text (no word boundaries, no exception contexts). Lower is better; the gate should be far below.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from kefu.compliance.gate import ComplianceGate

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "compliance" / "corpus"
PACKS = ROOT / "src" / "kefu" / "bot" / "packs" / "data"
TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
LANGUAGES = {"zh-CN": "zh", "zh-TW": "zh", "en": "en", "pl": "pl"}


def corpus_replies(name: str) -> list[str]:
    lines = (CORPUS / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


def pack_answers(name: str) -> list[str]:
    answers = []
    for path in sorted(PACKS.glob(f"*/{name}.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for intent in (data.get("intents") or {}).values():
            answer = intent.get("answer") if isinstance(intent, dict) else None
            if isinstance(answer, str):
                answers.append(TEMPLATE_TAG.sub("", answer).strip())
    return [a for a in answers if a]


def main() -> None:
    gate = ComplianceGate()
    print(f"{'corpus':<22}{'replies':>8}{'block':>7}{'warn':>6}{'gate %':>8}{'naive %':>9}")
    for name, language in LANGUAGES.items():
        naive_terms = [t.text.lower() for t in gate.rule_set.terms_of(language=language)]
        for label, replies in (("corpus", corpus_replies(name)), ("packs", pack_answers(name))):
            if not replies:
                continue
            decisions: Counter[str] = Counter()
            naive_hits = 0
            for reply in replies:
                decisions[gate.check(reply, language=language).decision] += 1
                low = reply.lower()
                naive_hits += any(term in low for term in naive_terms)
            flagged = decisions["block"] + decisions["warn"]
            print(
                f"{name + ' ' + label:<22}{len(replies):>8}{decisions['block']:>7}"
                f"{decisions['warn']:>6}{100 * flagged / len(replies):>7.1f}%"
                f"{100 * naive_hits / len(replies):>8.1f}%"
            )


if __name__ == "__main__":
    main()
