"""Held-out accuracy of Kefu's intent engine on every industry script pack and language.

    .venv/bin/python bench/packs_heldout.py [--json] [--write tests/bot/packs/heldout/reported.json]

For each pack: train on the pack's own phrasings (nothing else), then classify the held-out
phrasings in tests/bot/packs/heldout/ (written independently, from the intent catalog only).
Accuracy counts a held-out row right only when the engine names its intent (an out-of-scope
answer is wrong). Rows that happen to equal a training phrasing after normalisation (short
greetings, mostly: "hi", "谢谢") are reported apart and excluded from the headline figure.
Beside it, in the same run: the plain baseline of shared/datasets/README.md (char 1–5 + word
1–2 TF-IDF, LinearSVC) trained and tested on the same rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "bot" / "packs" / "heldout"
INDUSTRIES = ("ecommerce", "education", "catering", "tourism")
LANGUAGES = ("zh-CN", "zh-TW", "en", "pl")


def heldout_rows(industry: str, language: str) -> list[tuple[str, str]]:
    with (HELDOUT / industry / f"{language}.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["intent"]) for row in csv.DictReader(handle)]


def baseline_accuracy(train: list[tuple[str, str]], test: list[tuple[str, str]]) -> float:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True)
    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
    texts = [t for t, _ in train]
    x = hstack([chars.fit_transform(texts), words.fit_transform(texts)]).tocsr()
    clf = LinearSVC(C=1.0).fit(x, [label for _, label in train])
    tests = [t for t, _ in test]
    xt = hstack([chars.transform(tests), words.transform(tests)]).tocsr()
    predicted = clf.predict(xt)
    return float(sum(p == label for p, (_, label) in zip(predicted, test, strict=True)) / len(test))


def evaluate(industry: str, language: str) -> dict[str, Any]:
    from kefu.bot.packs import load_pack
    from kefu.bot.packs.evaluation import evaluate_pack
    from kefu.bot.packs.schema import normalize_example

    pack = load_pack(industry, language)
    rows = heldout_rows(industry, language)
    result = evaluate_pack(pack, rows).to_dict()
    in_scope = [(t, label) for t, label in rows if label != "oos"]
    seen = {normalize_example(e) for i in pack.intents for e in i.examples}
    training_rows = [(e, i.name) for i in pack.intents for e in i.examples]
    fresh = [(t, label) for t, label in in_scope if normalize_example(t) not in seen]
    result["baseline_accuracy"] = round(100 * baseline_accuracy(training_rows, fresh), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write", type=Path, help="store the figures (what the test holds to)")
    args = parser.parse_args()
    results = [evaluate(i, lang) for i in INDUSTRIES for lang in LANGUAGES]
    if args.write:
        reported = {f"{r['industry']}/{r['language']}": r["accuracy"] for r in results}
        args.write.write_text(json.dumps(reported, indent=2, sort_keys=True) + "\n")
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
        return
    header = ("pack", "rows", "Kefu %", "baseline %", "ratio", "oos rej.", "train s")
    print("{:<22}{:>6}{:>8}{:>12}{:>7}{:>10}{:>9}".format(*header))
    for r in results:
        name = f"{r['industry']}/{r['language']}"
        ratio = r["accuracy"] / max(r["baseline_accuracy"], 0.1)
        print(
            f"{name:<22}{r['heldout_rows']:>6}{r['accuracy']:>8.1f}{r['baseline_accuracy']:>12.1f}"
            f"{ratio:>7.2f}{r['oos_rejected']:>5}/{r['oos_rows']:<4}{r['train_seconds']:>9.2f}"
        )


if __name__ == "__main__":
    main()
