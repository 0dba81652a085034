"""One Aho-Corasick automaton over the folded keys of every term, and the checks that keep a raw
automaton hit from becoming a false positive.

A hit in the compact text becomes a match only if

- it is not inside one of the term's exception phrases (最好 in 您最好先…, 第一 in 第一次), nor
  right after / before one of its exception characters;
- for terms that start or end with a Latin letter or digit, the original text has a word boundary
  there ("cure" is not in "secure"), unless the term is a ``stem*``;
- separators inserted inside a Latin term look like deliberate spacing ("c u r e", "f.u.c.k"),
  not ordinary words that happen to join up ("he'll" is not "hell");
- leetspeak digits do not outnumber letters ("Room 455" is not "ass", "s3x" is "sex").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from kefu.compliance.errors import RuleSetError
from kefu.compliance.normalize import (
    BREAK,
    GAP,
    TRANSPARENT,
    FoldedText,
    fold_char,
    fold_key,
    is_cjk,
    is_word_char,
)
from kefu.compliance.rules import Term

_TERM, _EXCEPTION, _ALLOW = 0, 1, 2
MIN_KEY_LENGTH = 2


@dataclass(frozen=True, slots=True)
class _Entry:
    term: Term
    key_length: int
    breaks: frozenset[int]
    check_start: bool
    check_end: bool
    latin: bool
    has_digits: bool
    before: frozenset[str]
    after: frozenset[str]


@dataclass(frozen=True, slots=True)
class RuleMatch:
    term: Term
    start: int  # span in the original text
    end: int


def _term_key(term: Term) -> tuple[str, frozenset[int]]:
    key, breaks = fold_key(term.text)
    where = f"rule {term.group.id}, term {term.text!r}"
    if BREAK in key:
        raise RuleSetError(f"{where}: a term may not contain clause punctuation or line breaks")
    if len(key) < MIN_KEY_LENGTH:
        raise RuleSetError(f"{where}: folds to {key!r}, too short to match safely")
    return key, breaks


def _fold_chars(chars: str) -> frozenset[str]:
    return frozenset(f for f in (fold_char(c) for c in chars) if f not in (GAP, TRANSPARENT))


class CompiledRules:
    """An automaton over a fixed list of terms (and allow-list phrases), built once."""

    def __init__(self, terms: Sequence[Term], *, allow: Iterable[str] = ()) -> None:
        payloads: dict[str, list[tuple[int, ...]]] = {}
        self._entries: list[_Entry] = []
        for index, term in enumerate(terms):
            key, breaks = _term_key(term)
            self._entries.append(
                _Entry(
                    term=term,
                    key_length=len(key),
                    breaks=breaks,
                    check_start=is_word_char(key[0]),
                    check_end=is_word_char(key[-1]) and not term.prefix,
                    latin=not any(is_cjk(c) for c in key),
                    has_digits=any(c.isdigit() for c in term.text),
                    before=_fold_chars(term.except_before),
                    after=_fold_chars(term.except_after),
                )
            )
            payloads.setdefault(key, []).append((_TERM, index, len(key)))
            for phrase, required in [(p, True) for p in term.excepts] + [
                (p, False) for p in term.group_excepts
            ]:
                phrase_key, _ = fold_key(phrase)
                offset = phrase_key.find(key)
                if offset < 0:
                    if required:
                        raise RuleSetError(
                            f"rule {term.group.id}: exception {phrase!r} does not contain "
                            f"the term {term.text!r}"
                        )
                    continue
                # Every occurrence of the term inside the phrase is excused, not only the first.
                while offset >= 0:
                    payloads.setdefault(phrase_key, []).append(
                        (_EXCEPTION, index, len(phrase_key), offset)
                    )
                    offset = phrase_key.find(key, offset + 1)
        for phrase in allow:
            phrase_key, _ = fold_key(phrase)
            if phrase_key:
                payloads.setdefault(phrase_key, []).append((_ALLOW, len(phrase_key)))
        self._automaton: ahocorasick.Automaton | None = None
        if payloads:
            automaton = ahocorasick.Automaton()
            for key, items in payloads.items():
                encoded = _as_bytes(key)
                automaton.add_word(encoded, (len(encoded), len(key), tuple(items)))
            automaton.make_automaton()
            self._automaton = automaton

    def __len__(self) -> int:
        return len(self._entries)

    def scan(
        self,
        folded: FoldedText,
        *,
        language: str | None,
        channel: str | None,
        disabled: frozenset[str] = frozenset(),
    ) -> tuple[list[RuleMatch], list[tuple[int, int]]]:
        """Matches of the terms that apply, and the original spans of allow-listed phrases."""
        if self._automaton is None or not folded.compact:
            return [], []
        hits: list[tuple[int, int, int]] = []
        excused: set[tuple[int, int]] = set()
        allowed: list[tuple[int, int]] = []
        compact = folded.compact
        raw = compact.encode("utf-8", "surrogatepass")
        ascii_only = len(raw) == len(compact)
        for byte_end, (byte_length, char_length, items) in self._automaton.iter(
            raw.decode("latin-1")
        ):
            if ascii_only:
                end = byte_end + 1
            else:
                byte_start = byte_end - byte_length + 1
                if 0x80 <= raw[byte_start] <= 0xBF:
                    continue  # starts inside a multi-byte character
                end = len(raw[:byte_start].decode("utf-8", "surrogatepass")) + char_length
            for item in items:
                kind = item[0]
                if kind == _TERM:
                    hits.append((end - item[2], end, item[1]))
                elif kind == _EXCEPTION:
                    excused.add((item[1], end - item[2] + item[3]))
                else:
                    allowed.append(folded.span(end - item[1], end))
        matches = []
        for start, end, index in hits:
            entry = self._entries[index]
            term = entry.term
            group = term.group
            if language is not None and group.language is not None and group.language != language:
                continue
            if group.channel is not None and group.channel != channel:
                continue
            if group.id in disabled or term.text in disabled:
                continue
            if (index, start) in excused:
                continue
            span = self._accept(entry, folded, start, end)
            if span is not None:
                matches.append(RuleMatch(term=term, start=span[0], end=span[1]))
        return matches, allowed

    @staticmethod
    def _accept(entry: _Entry, folded: FoldedText, start: int, end: int) -> tuple[int, int] | None:
        compact = folded.compact
        if entry.before and start > 0 and compact[start - 1] in entry.before:
            return None
        if entry.after and end < len(compact) and compact[end] in entry.after:
            return None
        ostart, oend = folded.span(start, end)
        if entry.check_start and is_word_char(folded.char_before(ostart)):
            return None
        if entry.check_end and is_word_char(folded.char_after(oend)):
            return None
        if entry.latin:
            if not _spacing_looks_deliberate(entry, folded, ostart, oend):
                return None
            if not entry.has_digits and not _mostly_letters(folded.original[ostart:oend]):
                return None
        return ostart, oend


def _as_bytes(text: str) -> str:
    """Keys and text are scanned as UTF-8 bytes (one character per byte, via Latin-1).

    pyahocorasick looks up a node's children linearly, so a root with thousands of CJK
    children would cost thousands of comparisons per character; over bytes no node has more
    than 256 children, CJK lead bytes are few, and ASCII text stays one step per character.
    """
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def _spacing_looks_deliberate(entry: _Entry, folded: FoldedText, start: int, end: int) -> bool:
    """Gaps the term itself does not have must split the text into mostly single letters."""
    runs: list[int] = []
    run = 0
    offset = 0
    inserted = False
    chars = folded.chars
    for i in range(start, end):
        c = chars[i]
        if c == TRANSPARENT:
            continue
        if c == GAP:
            if run:
                runs.append(run)
                run = 0
            if offset not in entry.breaks:
                inserted = True
            continue
        run += len(c)
        offset += len(c)
    if not inserted:
        return True
    if run:
        runs.append(run)
    singles = sum(1 for r in runs if r == 1)
    return singles * 2 >= len(runs)


def _mostly_letters(original: str) -> bool:
    digits = sum(1 for c in original if c.isdigit())
    if not digits:
        return True
    letters = sum(1 for c in original if c.isalpha())
    return letters > digits
