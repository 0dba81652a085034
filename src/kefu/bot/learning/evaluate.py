"""Measure the learning loop on the shipped script packs: ``python -m kefu.bot.learning.evaluate``.

Two figures per language, averaged over the four industries:

* clustering: every pack example is an "unanswered" question; the clusters are compared with the
  pack's intents (adjusted Rand index, homogeneity = purity of clusters, completeness = how whole
  each intent stays), against the baseline of grouping only identical folded texts;
* routing: every fourth intent is hidden; the others keep their even-numbered examples as the
  workspace's intents and their odd-numbered ones become unanswered questions. Reported: the share
  of known-intent questions suggested as ``add_examples`` for their own intent, the share suggested
  for a wrong intent, and the share of hidden-intent questions suggested as ``new_intent``.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from kefu.bot.learning.clustering import _agglomerate, _vectorizer, suggest
from kefu.bot.learning.model import Unanswered
from kefu.bot.learning.normalize import normalize_text

INDUSTRIES = ("ecommerce", "education", "catering", "tourism")
LANGUAGES = ("zh-CN", "zh-TW", "en", "pl")


def _clustering(examples: Sequence[tuple[str, str]], threshold: float) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, completeness_score, homogeneity_score

    keys, labels = [], []
    for intent, text in examples:
        key = normalize_text(text)
        if key:
            keys.append(key)
            labels.append(intent)
    vectors = _vectorizer(keys).transform(keys).tocsr()
    predicted = _agglomerate(vectors, threshold)
    identical = [keys.index(key) for key in keys]

    return {
        "ari": adjusted_rand_score(labels, predicted),
        "homogeneity": homogeneity_score(labels, predicted),
        "completeness": completeness_score(labels, predicted),
        "baseline_ari": adjusted_rand_score(labels, identical),
        "baseline_completeness": completeness_score(labels, identical),
    }


def _routing(intents: dict[str, list[str]], threshold: float) -> dict[str, float]:
    names = sorted(intents)
    hidden = set(names[::4])
    existing = {n: intents[n][0::2] for n in names if n not in hidden}
    truth: dict[str, str] = {}
    records = []
    for name in names:
        asked = intents[name] if name in hidden else intents[name][1::2]
        for text in asked:
            truth[text] = name
            records.append(Unanswered(text=text, language="xx", reason="not_understood"))
    right = wrong = new_hidden = 0
    for group in suggest(records, existing, distance_threshold=threshold, min_cluster_size=1):
        for text in group.examples:
            asked_for = truth.get(text)
            if asked_for is None:
                continue
            if asked_for in hidden:
                new_hidden += group.kind == "new_intent"
            elif group.kind == "add_examples":
                right += group.intent == asked_for
                wrong += group.intent != asked_for
    known = sum(1 for name in truth.values() if name not in hidden)
    unknown = len(truth) - known
    return {
        "known_right": right / known,
        "known_wrong": wrong / known,
        "hidden_new": new_hidden / unknown,
    }


def main(threshold: float | None = None) -> None:
    from kefu.bot.learning.clustering import DEFAULT_DISTANCE_THRESHOLD
    from kefu.bot.packs import load_pack

    cut = DEFAULT_DISTANCE_THRESHOLD if threshold is None else threshold
    print(f"distance_threshold={cut}")
    print(
        "language  ARI   (identical-text baseline)  homogeneity  completeness (baseline)"
        "  known→right  known→wrong  hidden→new"
    )
    for language in LANGUAGES:
        rows = []
        for industry in INDUSTRIES:
            pack = load_pack(industry, language)
            pairs = [(i.name, text) for i in pack.intents for text in i.examples]
            by_intent = {i.name: list(dict.fromkeys(i.examples)) for i in pack.intents}
            rows.append(_clustering(pairs, cut) | _routing(by_intent, cut))
        mean = {key: statistics.mean(row[key] for row in rows) for key in rows[0]}
        print(
            f"{language:8}  {mean['ari']:.3f} ({mean['baseline_ari']:.3f})"
            f"                 {mean['homogeneity']:.3f}        {mean['completeness']:.3f}"
            f" ({mean['baseline_completeness']:.3f})       {mean['known_right']:.3f}"
            f"        {mean['known_wrong']:.3f}        {mean['hidden_new']:.3f}"
        )


if __name__ == "__main__":
    import sys

    main(float(sys.argv[1]) if len(sys.argv) > 1 else None)
