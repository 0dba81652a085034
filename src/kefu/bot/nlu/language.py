"""Language detection for customer messages: zh-Hans, zh-Hant, pl, en, or mixed.

Script first: Han characters against Latin words. Within Han text, the traditional/simplified
decision counts characters that OpenCC changes in one direction only. Within Latin text, Polish
against English is a sum of evidence: letters only Polish has (ą, ł, ż, …), function words of
each language, and letter sequences typical of one of them (``rz``, ``cz`` against ``th``, ``wh``).
A message with no evidence either way (``ok``, ``123``) falls back to the knowledge base's hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.bot.nlu.normalize import is_han, opencc_converter, tokens

LANGUAGES = ("zh-Hans", "zh-Hant", "pl", "en")
LATIN_LANGUAGES = ("en", "pl")

_POLISH_LETTERS = frozenset("ąćęłńśźż")

# Function words that exist in only one of the two languages ("a", "i", "to", "do", "on", "no"
# are words in both, so they are deliberately absent).
_STOP_WORDS = {
    "pl": frozenset(
        {
            "w",
            "z",
            "na",
            "się",
            "sie",
            "nie",
            "jest",
            "że",
            "ze",
            "jak",
            "czy",
            "mi",
            "mnie",
            "mój",
            "moj",
            "moja",
            "moje",
            "mojego",
            "jestem",
            "proszę",
            "prosze",
            "chcę",
            "chce",
            "co",
            "gdzie",
            "kiedy",
            "ile",
            "dla",
            "po",
            "od",
            "ten",
            "ta",
            "tak",
            "mam",
            "możesz",
            "mozesz",
            "jaki",
            "jaka",
            "jakie",
            "przez",
            "za",
            "ale",
            "bo",
            "już",
            "juz",
            "jeszcze",
            "może",
            "moze",
            "który",
            "ktory",
            "która",
            "ktora",
            "tego",
            "tej",
            "są",
            "sa",
            "być",
            "byc",
            "oraz",
            "lub",
            "twój",
            "twoj",
            "pan",
            "pani",
            "dzień",
            "dzien",
            "dziękuję",
            "dziekuje",
            "dobrze",
            "czemu",
            "dlaczego",
            "jaką",
            "kto",
            "które",
            "ktore",
            "wszystkie",
            "albo",
            "teraz",
        }
    ),
    "en": frozenset(
        {
            "the",
            "an",
            "is",
            "are",
            "of",
            "and",
            "my",
            "you",
            "your",
            "what",
            "how",
            "can",
            "please",
            "for",
            "it",
            "me",
            "with",
            "this",
            "that",
            "be",
            "when",
            "where",
            "why",
            "want",
            "need",
            "have",
            "get",
            "there",
            "would",
            "could",
            "should",
            "will",
            "was",
            "not",
            "from",
            "at",
            "by",
            "about",
            "hi",
            "hello",
            "thanks",
            "thank",
            "which",
            "who",
            "does",
            "did",
            "i'm",
            "am",
            "our",
            "we",
            "they",
            "their",
            "any",
            "some",
            "tell",
            "show",
            "much",
            "many",
        }
    ),
}

# Letter sequences far more frequent in one language than in the other.
_CUES = {
    "pl": ("sz", "cz", "rz", "dz", "prz", "ych", "ie", "ow", "wy", "aj", "ść", "ję"),
    "en": ("th", "wh", "sh", "ng", "ea", "ou", "ee", "oo", "ck", "ght", "tion", "ay", "ll"),
}


@dataclass(frozen=True)
class LanguageGuess:
    """``code`` is one of LANGUAGES, ``mixed`` or ``und``; ``latin`` picks the lemmatiser."""

    code: str
    latin: str
    han: str | None


def _latin_scores(words: list[str]) -> dict[str, float]:
    scores = {"pl": 0.0, "en": 0.0}
    for word in words:
        scores["pl"] += 3.0 * sum(char in _POLISH_LETTERS for char in word)
        for language in LATIN_LANGUAGES:
            if word in _STOP_WORDS[language]:
                scores[language] += 2.0
            scores[language] += 0.5 * sum(word.count(cue) for cue in _CUES[language])
    return scores


def _han_variant(han_text: str) -> str | None:
    """'zh-Hant' or 'zh-Hans' when the characters say so, None when they are common to both."""
    simplified = opencc_converter("t2s").convert(han_text)
    traditional = opencc_converter("s2t").convert(han_text)
    if len(simplified) == len(han_text) and len(traditional) == len(han_text):
        traditional_only = sum(a != b for a, b in zip(han_text, simplified, strict=True))
        simplified_only = sum(a != b for a, b in zip(han_text, traditional, strict=True))
    else:
        traditional_only = int(simplified != han_text)
        simplified_only = int(traditional != han_text)
    if traditional_only > simplified_only:
        return "zh-Hant"
    if simplified_only > traditional_only:
        return "zh-Hans"
    return None


def detect_language(text: str, hint: str | None = None) -> LanguageGuess:
    """Guess the language of a (case-folded) message; ``hint`` decides when evidence is absent."""
    han_chars = "".join(char for char in text if is_han(char))
    latin_words = [w for w in tokens(text) if not is_han(w[0]) and not w.isdigit()]

    hint_latin = hint if hint in LATIN_LANGUAGES else None
    scores = _latin_scores(latin_words) if latin_words else {"pl": 0.0, "en": 0.0}
    if scores["pl"] > scores["en"]:
        latin = "pl"
    elif scores["en"] > scores["pl"]:
        latin = "en"
    else:
        latin = hint_latin or "en"
    latin_evident = scores["pl"] != scores["en"]

    han: str | None = None
    if han_chars:
        han = _han_variant(han_chars)
        if han is None:
            han = hint if hint in ("zh-Hans", "zh-Hant") else "zh-Hans"

    # A Latin word weighs about as much as one and a half Han characters of meaning.
    han_weight = float(len(han_chars))
    latin_weight = 1.5 * len(latin_words)
    total = han_weight + latin_weight
    if total == 0:
        code = hint if hint in LANGUAGES else "und"
        if code.startswith("zh"):
            return LanguageGuess(code=code, latin=hint_latin or "en", han=code)
        return LanguageGuess(code=code, latin=latin, han=None)
    if han is not None and min(han_weight, latin_weight) / total >= 0.4:
        return LanguageGuess(code="mixed", latin=latin, han=han)
    if han is not None and han_weight > latin_weight:
        return LanguageGuess(code=han, latin=latin, han=han)
    if latin_evident:
        return LanguageGuess(code=latin, latin=latin, han=han)
    code = hint if hint in LANGUAGES else "und"
    return LanguageGuess(code=code, latin=latin, han=han)
