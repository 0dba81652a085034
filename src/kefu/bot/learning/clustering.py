"""Cluster unanswered questions into suggested knowledge-base changes for a reviewer.

Each distinct question (after :func:`normalize_text`) becomes a character n-gram TF-IDF vector
(``char_wb`` 2–4, which needs no word segmentation and so works the same for Chinese, Polish and
English). Questions are clustered per language group with average-linkage agglomerative
clustering on cosine distance, cut at ``distance_threshold``: two groups merge only while the mean
distance between their members stays under it, so the one parameter reads as "how different may
two phrasings of one question be". A cluster whose members are, on average, close to the examples
of an existing intent becomes "add these as examples of that intent"; the rest become new intents.
Everything is deterministic: inputs are ordered by their folded text before any step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kefu.bot.learning.model import Suggestion, SuggestionKind, Unanswered
from kefu.bot.learning.normalize import is_han, language_group, normalize_text, script_group
from kefu.core.errors import InvalidInput

DEFAULT_DISTANCE_THRESHOLD = 0.8
DEFAULT_INTENT_SIMILARITY = 0.45
DEFAULT_MAX_EXAMPLES = 20
DEFAULT_MAX_TEXTS_PER_GROUP = 3000
LATIN_NGRAMS = (2, 4)
HAN_NGRAMS = (1, 3)


@dataclass(slots=True)
class _Phrase:
    """One distinct folded question with everything the records that folded into it said."""

    key: str
    group: str | None
    count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    languages: set[str] = field(default_factory=set)
    originals: Counter[str] = field(default_factory=Counter)

    def add(self, item: Unanswered) -> None:
        self.count += item.count
        self.reasons[item.reason] += item.count
        if item.language is not None:
            self.languages.add(item.language.strip())
        text = " ".join(item.text.split())
        self.originals[text] += item.count

    def display(self) -> str:
        """The way customers wrote it most often (alphabetically first on a tie)."""
        return min(self.originals, key=lambda text: (-self.originals[text], text))


def _check_options(
    distance_threshold: float, intent_similarity: float, min_cluster_size: int, max_examples: int
) -> None:
    if not 0.0 < distance_threshold <= 1.0:
        raise InvalidInput(f"distance_threshold must be in (0, 1], got {distance_threshold}")
    if not 0.0 < intent_similarity <= 1.0:
        raise InvalidInput(f"intent_similarity must be in (0, 1], got {intent_similarity}")
    if min_cluster_size < 1:
        raise InvalidInput(f"min_cluster_size must be at least 1, got {min_cluster_size}")
    if max_examples < 1:
        raise InvalidInput(f"max_examples must be at least 1, got {max_examples}")


def _collect(unanswered: Iterable[Unanswered]) -> list[_Phrase]:
    phrases: dict[tuple[str | None, str], _Phrase] = {}
    for item in unanswered:
        if not isinstance(item, Unanswered):
            raise InvalidInput(f"expected Unanswered records, got {type(item).__name__}")
        key = normalize_text(item.text)
        if not key:
            continue  # only punctuation or emoji: nothing a reviewer could turn into an intent
        group = language_group(item.language)
        phrase = phrases.setdefault((group, key), _Phrase(key=key, group=group))
        phrase.add(item)
    return sorted(phrases.values(), key=lambda p: (p.group or "", p.key))


def _intent_examples(existing: Mapping[str, Sequence[str]] | None) -> list[tuple[str, list[str]]]:
    if existing is None:
        return []
    if not isinstance(existing, Mapping):
        raise InvalidInput("existing_intents must map an intent name to its example phrasings")
    intents: list[tuple[str, list[str]]] = []
    for name in sorted(existing):
        examples = existing[name]
        if not isinstance(name, str) or not name:
            raise InvalidInput("intent names must be non-empty strings")
        if isinstance(examples, str) or not all(isinstance(text, str) for text in examples):
            raise InvalidInput(f"examples of intent {name!r} must be a list of strings")
        keys = sorted({key for key in (normalize_text(text) for text in examples) if key})
        if keys:
            intents.append((name, keys))
    return intents


def text_ngrams(text: str) -> list[str]:
    """Character n-grams of folded text: 2–4-grams inside each space-padded Latin word (like
    scikit-learn's ``char_wb``), and 1–3-grams of each run of Chinese characters, where one or two
    characters already make a word and padding would only add noise."""
    grams: list[str] = []
    for word in text.split(" "):
        for run, han in _runs(word):
            if han:
                sizes, padded = HAN_NGRAMS, run
            else:
                sizes, padded = LATIN_NGRAMS, f" {run} "
            for size in range(sizes[0], sizes[1] + 1):
                grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
            if not han and len(padded) < sizes[0]:
                grams.append(padded)
    return grams


def _runs(word: str) -> list[tuple[str, bool]]:
    """Split a word into alternating runs of Chinese and other characters."""
    runs: list[tuple[str, bool]] = []
    for char in word:
        han = is_han(char)
        if runs and runs[-1][1] == han:
            runs[-1] = (runs[-1][0] + char, han)
        else:
            runs.append((char, han))
    return runs


def _vectorizer(corpus: list[str]) -> Any:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=text_ngrams, sublinear_tf=True, dtype=np.float64)
    vectorizer.fit(corpus)
    return vectorizer


def _resolve_groups(phrases: list[_Phrase], vectors: Any, distance_threshold: float) -> list[str]:
    """Give each phrase a group; one without a language joins its nearest tagged neighbour's group
    when that neighbour is within the threshold, otherwise a group of its script."""
    import numpy as np

    groups = [p.group for p in phrases]
    tagged = [i for i, g in enumerate(groups) if g is not None]
    untagged = [i for i, g in enumerate(groups) if g is None]
    resolved: list[str] = [g if g is not None else "" for g in groups]
    if untagged and tagged:
        similarity = (vectors[untagged] @ vectors[tagged].T).toarray()
        nearest = np.argmax(similarity, axis=1)
        for row, index in enumerate(untagged):
            best = int(nearest[row])
            if similarity[row, best] >= 1.0 - distance_threshold:
                resolved[index] = groups[tagged[best]] or ""
    for index in untagged:
        if not resolved[index]:
            resolved[index] = script_group(phrases[index].key)
    return resolved


def _agglomerate(vectors: Any, distance_threshold: float) -> list[int]:
    """Average-linkage clusters on cosine distance, cut at the threshold; one label per row."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    rows = vectors.shape[0]
    if rows == 1:
        return [0]
    distance = 1.0 - (vectors @ vectors.T).toarray()
    np.clip(distance, 0.0, 2.0, out=distance)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=distance_threshold,
    )
    return [int(label) for label in model.fit_predict(distance)]


def _cluster_group(
    indices: list[int],
    phrases: list[_Phrase],
    vectors: Any,
    distance_threshold: float,
    max_texts: int,
) -> list[list[int]]:
    """Cluster one language group. Past ``max_texts`` distinct texts, the most frequent are
    clustered and each remaining text joins the cluster whose centroid is nearest within the
    threshold, or stands alone (this bounds memory at max_texts² distances)."""
    import numpy as np
    from sklearn.preprocessing import normalize

    ranked = sorted(indices, key=lambda i: (-phrases[i].count, phrases[i].key))
    core, rest = ranked[:max_texts], ranked[max_texts:]
    labels = _agglomerate(vectors[core], distance_threshold)
    clusters: dict[int, list[int]] = {}
    for index, label in zip(core, labels, strict=True):
        clusters.setdefault(label, []).append(index)
    members = list(clusters.values())
    if rest:
        centroids = normalize(np.vstack([np.asarray(vectors[m].mean(axis=0)) for m in members]))
        similarity = np.asarray(vectors[rest] @ centroids.T)
        for row, index in enumerate(rest):
            best = int(np.argmax(similarity[row]))
            if 1.0 - similarity[row, best] <= distance_threshold:
                members[best].append(index)
            else:
                members.append([index])
    return members


def suggest(
    unanswered: Iterable[Unanswered],
    existing_intents: Mapping[str, Sequence[str]] | None = None,
    *,
    distance_threshold: float = DEFAULT_DISTANCE_THRESHOLD,
    intent_similarity: float = DEFAULT_INTENT_SIMILARITY,
    min_cluster_size: int = 2,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    max_texts_per_group: int = DEFAULT_MAX_TEXTS_PER_GROUP,
) -> list[Suggestion]:
    """Group ``unanswered`` questions into suggestions, largest first.

    ``existing_intents`` maps an intent name to its example phrasings (any language); a cluster
    whose members are on average at least ``intent_similarity`` (cosine) from that intent's nearest
    examples becomes ``add_examples`` for it, keeping only examples the intent lacks. Clusters
    whose total count is under ``min_cluster_size`` are dropped, so a question asked once is noise
    and one asked twice is not. Raises :class:`InvalidInput` for bad records or options.
    """
    _check_options(distance_threshold, intent_similarity, min_cluster_size, max_examples)
    if max_texts_per_group < 2:
        raise InvalidInput(f"max_texts_per_group must be at least 2, got {max_texts_per_group}")
    phrases = _collect(unanswered)
    intents = _intent_examples(existing_intents)
    if not phrases:
        return []
    intent_keys = [key for _, keys in intents for key in keys]
    vectorizer = _vectorizer([p.key for p in phrases] + intent_keys)
    vectors = vectorizer.transform([p.key for p in phrases]).tocsr()
    groups = _resolve_groups(phrases, vectors, distance_threshold)
    intent_vectors = [vectorizer.transform(keys).tocsr() for _, keys in intents]

    suggestions: list[Suggestion] = []
    for group in sorted(set(groups)):
        indices = [i for i, g in enumerate(groups) if g == group]
        for members in _cluster_group(
            indices, phrases, vectors, distance_threshold, max_texts_per_group
        ):
            suggestion = _suggestion(
                members, phrases, vectors, intents, intent_vectors, intent_similarity, max_examples
            )
            if suggestion is not None and suggestion.size >= min_cluster_size:
                suggestions.append(suggestion)
    suggestions.sort(key=lambda s: (-s.size, s.label, s.kind, s.intent or ""))
    return suggestions


def _suggestion(
    members: list[int],
    phrases: list[_Phrase],
    vectors: Any,
    intents: list[tuple[str, list[str]]],
    intent_vectors: list[Any],
    intent_similarity: float,
    max_examples: int,
) -> Suggestion | None:
    import numpy as np

    counts = np.array([phrases[i].count for i in members], dtype=float)
    rows = vectors[members]
    centroid = np.asarray(rows.T @ counts).ravel() / counts.sum()
    centrality = np.asarray(rows @ centroid).ravel()
    order = sorted(
        range(len(members)),
        key=lambda j: (-round(float(centrality[j]), 9), -counts[j], phrases[members[j]].key),
    )
    ranked = [phrases[members[j]] for j in order]

    best_name: str | None = None
    best_similarity = 0.0
    for (name, _), examples in zip(intents, intent_vectors, strict=True):
        # Each member's similarity to its nearest example of the intent, weighted by its count.
        nearest = np.asarray((rows @ examples.T).max(axis=1).toarray()).ravel()
        similarity = float(nearest @ counts / counts.sum())
        if similarity > best_similarity + 1e-12:
            best_name, best_similarity = name, similarity

    kind: SuggestionKind = "new_intent"
    known: set[str] = set()
    if best_name is not None and best_similarity >= intent_similarity:
        kind = "add_examples"
        known = set(dict(intents)[best_name])
    fresh = [p for p in ranked if p.key not in known]
    if not fresh:
        return None  # the intent already has every one of these phrasings; nothing to add
    reasons: Counter[str] = Counter()
    languages: set[str] = set()
    for phrase in ranked:
        reasons.update(phrase.reasons)
        languages.update(phrase.languages)
    if not languages:
        languages = {p.group for p in ranked if p.group} or set()
    return Suggestion(
        kind=kind,
        intent=best_name if kind == "add_examples" else None,
        label=ranked[0].display(),
        examples=[p.display() for p in fresh[:max_examples]],
        size=int(counts.sum()),
        languages=sorted(languages),
        similarity=best_similarity if kind == "add_examples" else 0.0,
        reasons=dict(sorted(reasons.items())),
    )
