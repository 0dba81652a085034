"""From a message to features: analysis (tokens, lemmas, n-grams) and TF-IDF views.

Two views of every text, each a sublinear TF-IDF vector with unit length:

* characters: n-grams inside each word of the folded text (``" pass"``, ``"assw"``), and 1–3 grams
  of Chinese characters. They make typos, missing diacritics and unseen inflections cheap.
* words: lemmas (simplemma for Polish and English, jieba words for Chinese) and lemma bigrams.

The views are concatenated with weights whose squares sum to one, so a message vector has unit
length and a dot product is a cosine similarity.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from kefu.bot.nlu.language import LanguageGuess, detect_language
from kefu.bot.nlu.normalize import (
    basic,
    collapse_repeats,
    expand_chat_spelling,
    is_han,
    opencc_converter,
    strip_latin_diacritics,
    to_simplified,
    tokens,
)

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba_cut(text: str) -> list[str]:
    """jieba segmentation, initialised on first use with its start-up log lines silenced."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return [word for word in jieba.lcut(text, HMM=True) if word.strip()]


def _lemma(word: str, languages: tuple[str, ...]) -> str:
    import simplemma

    if word.isdigit():
        return word
    return str(simplemma.lemmatize(word, lang=languages))


def warm_up() -> None:
    """Load what the first message of each language would otherwise wait for: the English and
    Polish lemma dictionaries (seconds each), jieba's dictionary and the OpenCC converters.
    Process-wide and idempotent; call it at start-up, off the event loop."""
    for language in ("en", "pl"):
        _lemma("warm", (language,))
    _jieba_cut("预热")
    to_simplified("預熱")
    opencc_converter("s2t")


@dataclass(frozen=True)
class AnalyzerConfig:
    char_min: int = 2
    char_max: int = 5
    han_max: int = 3
    word_max: int = 2


@dataclass(frozen=True)
class Analysis:
    language: LanguageGuess
    char_grams: list[str]
    word_grams: list[str]
    text: str


def analyze(text: str, config: AnalyzerConfig, hint: str | None = None) -> Analysis:
    """Normalise ``text`` for its language and cut it into character and word features."""
    cased = basic(text)
    guess = detect_language(cased, hint)
    expanded = collapse_repeats(expand_chat_spelling(cased, guess.latin))
    # one lemmatiser per message: loading a second language's dictionary costs seconds and its
    # lemmas rarely apply to words of the first
    lemma_languages = (guess.latin,)
    chars: list[str] = []
    words: list[str] = []
    for token in tokens(expanded):
        if is_han(token[0]):
            simplified = to_simplified(token)
            # padded like a Latin word, so n-grams also say where the run starts and ends
            padded = f" {simplified} "
            chars.extend(simplified)
            for n in range(2, config.han_max + 1):
                chars.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
            words.extend(_jieba_cut(simplified))
            continue
        folded = strip_latin_diacritics(token)
        padded = f" {folded} "
        for n in range(config.char_min, config.char_max + 1):
            chars.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        words.append(strip_latin_diacritics(_lemma(token, lemma_languages)))
    grams = list(words)
    # bigrams across the message boundaries: "<s> open", "balance </s>"
    words = ["<s>", *words, "</s>"]
    for n in range(2, config.word_max + 1):
        grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return Analysis(language=guess, char_grams=chars, word_grams=grams, text=cased)


SparseRow = tuple[np.ndarray, np.ndarray]


class TfidfView:
    """One vocabulary with inverse document frequencies: sublinear tf × idf.

    A message's n-grams the vocabulary lacks still count in its length, with the weight a term
    seen in no training document would get (``unseen_idf``). So a message made mostly of
    unknown n-grams has a short known part and cannot look close to an example because of the
    one n-gram it shares with it. Training examples, whose n-grams are all known, have unit
    length.
    """

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, unseen_idf: float) -> None:
        self.vocabulary = vocabulary
        self.idf = idf.astype(np.float32)
        self.unseen_idf = float(unseen_idf)

    @classmethod
    def fit(cls, documents: Sequence[Sequence[str]]) -> TfidfView:
        document_frequency: Counter[str] = Counter()
        for grams in documents:
            document_frequency.update(set(grams))
        terms = sorted(document_frequency)
        vocabulary = {term: index for index, term in enumerate(terms)}
        n = len(documents)
        df = np.array([document_frequency[t] for t in terms], dtype=np.float64)
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        return cls(vocabulary, idf, unseen_idf=math.log(1.0 + n) + 1.0)

    def __len__(self) -> int:
        return len(self.vocabulary)

    def row(self, grams: Sequence[str]) -> SparseRow:
        counts: Counter[int] = Counter()
        unseen: Counter[str] = Counter()
        vocabulary = self.vocabulary
        for gram in grams:
            index = vocabulary.get(gram)
            if index is not None:
                counts[index] += 1
            else:
                unseen[gram] += 1
        if not counts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        indices = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[indices]
        squared = float(np.dot(values, values))
        for count in unseen.values():
            squared += ((1.0 + math.log(count)) * self.unseen_idf) ** 2
        values /= np.float32(math.sqrt(squared))
        order = np.argsort(indices)
        return indices[order], values[order]


class FeatureSpace:
    """The character and word views side by side in one index space."""

    def __init__(
        self, chars: TfidfView, words: TfidfView, char_weight: float, config: AnalyzerConfig
    ) -> None:
        if not 0.0 < char_weight < 1.0:
            raise ValueError("char_weight must lie strictly between 0 and 1")
        self.chars = chars
        self.words = words
        self.char_weight = char_weight
        self.config = config
        self._char_scale = np.float32(math.sqrt(char_weight))
        self._word_scale = np.float32(math.sqrt(1.0 - char_weight))

    @property
    def dimension(self) -> int:
        return len(self.chars) + len(self.words)

    def row(self, analysis: Analysis) -> SparseRow:
        """Feature indices and values of one analysed text (empty when no feature is known).

        Length at most one: exactly one when every n-gram is known (unknown ones shorten it)."""
        char_idx, char_val = self.chars.row(analysis.char_grams)
        word_idx, word_val = self.words.row(analysis.word_grams)
        indices = np.concatenate([char_idx, word_idx + np.int32(len(self.chars))])
        values = np.concatenate([char_val * self._char_scale, word_val * self._word_scale])
        return indices.astype(np.int32, copy=False), values.astype(np.float32, copy=False)

    def matrix(self, analyses: Sequence[Analysis]) -> sp.csr_matrix:
        rows = [self.row(analysis) for analysis in analyses]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(idx) for idx, _ in rows])
        indices = np.concatenate([idx for idx, _ in rows]) if rows else np.zeros(0, np.int32)
        data = np.concatenate([val for _, val in rows]) if rows else np.zeros(0, np.float32)
        return sp.csr_matrix(
            (data, indices, indptr), shape=(len(rows), self.dimension), dtype=np.float32
        )

    @classmethod
    def fit(
        cls, analyses: Sequence[Analysis], char_weight: float, config: AnalyzerConfig
    ) -> FeatureSpace:
        chars = TfidfView.fit([a.char_grams for a in analyses])
        words = TfidfView.fit([a.word_grams for a in analyses])
        return cls(chars, words, char_weight, config)
