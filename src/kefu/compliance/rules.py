"""Rule sets as data: loading and validating the per-language YAML files into immutable terms.

A rule file holds groups; a group gives its terms a category, a severity, an explanation key and
a legal reference; each term may override the severity, carry a suggested fix and list the
contexts in which it is innocent. Term syntax:

- ``最好 => 很好``: the term and its suggested replacement;
- ``najlepsz{y,a,e} na świecie``: brace groups expand to every combination;
- ``kurw*``: a trailing ``*`` matches the stem at the start of a word (any ending).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kefu.compliance.errors import RuleSetError

Severity = Literal["block", "warn", "redact"]
Category = Literal[
    "profanity",
    "gambling",
    "drugs",
    "fraud",
    "adult",
    "absolute_claim",
    "medical_claim",
    "false_urgency",
    "personal_data",
    "platform",
    "custom",
]
Language = Literal["zh", "en", "pl"]
LANGUAGES: tuple[str, ...] = ("zh", "en", "pl")
SEVERITY_RANK = {"warn": 1, "redact": 2, "block": 3}

_BRACES = re.compile(r"\{([^{}]*)\}")


class TermSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    term: str = Field(min_length=1)
    suggest: str | None = None
    severity: Severity | None = None
    excepts: list[str] = Field(default_factory=list, alias="except")
    except_before: str = ""
    except_after: str = ""


class GroupSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    category: Category
    severity: Severity
    explanation: str = Field(min_length=1)
    legal_ref: str | None = None
    excepts: list[str] = Field(default_factory=list, alias="except")
    except_before: str = ""
    except_after: str = ""
    terms: list[str | TermSpec] = Field(min_length=1)


class RuleFileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language
    groups: list[GroupSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """What every term of a group shares; ``rule_id`` of a finding is the group's ``id``."""

    id: str
    category: str
    severity: Severity
    explanation: str
    legal_ref: str | None
    language: str | None  # None: any language (platform and workspace rules)
    channel: str | None  # None: any channel


@dataclass(frozen=True, slots=True)
class Term:
    group: RuleGroup
    text: str  # as written after brace expansion, without the trailing '*'
    prefix: bool  # trailing '*': any word ending
    severity: Severity
    suggestion: str | None
    excepts: tuple[str, ...]  # phrases containing the term in which it is innocent
    group_excepts: tuple[str, ...]  # group-wide phrases; apply to the terms they contain
    except_before: str  # the term is innocent right after one of these characters
    except_after: str  # ... or right before one of these


@dataclass(frozen=True, slots=True)
class RuleSet:
    terms: tuple[Term, ...]
    version: str
    sources: tuple[str, ...]

    def groups(self) -> dict[str, RuleGroup]:
        return {t.group.id: t.group for t in self.terms}

    def terms_of(self, *, language: str | None = None, category: str | None = None) -> list[Term]:
        return [
            t
            for t in self.terms
            if (language is None or t.group.language == language)
            and (category is None or t.group.category == category)
        ]


def expand_braces(text: str) -> list[str]:
    """``"a{b,c}d{e,}"`` → ``["abde", "abd", "acde", "acd"]``."""
    parts = _BRACES.split(text)
    # split() alternates literal text and brace contents
    literals = parts[0::2]
    choices = [p.split(",") for p in parts[1::2]]
    if any("{" in lit or "}" in lit for lit in literals):
        raise ValueError(f"unbalanced braces in term {text!r}")
    out = []
    for combo in itertools.product(*choices):
        pieces = [literals[0]]
        for choice, literal in zip(combo, literals[1:], strict=True):
            pieces.append(choice)
            pieces.append(literal)
        out.append("".join(pieces))
    return out


def _parse_term(raw: str | TermSpec) -> TermSpec:
    if isinstance(raw, TermSpec):
        return raw
    if "=>" in raw:
        term, suggestion = (s.strip() for s in raw.split("=>", 1))
        return TermSpec(term=term, suggest=suggestion or None)
    return TermSpec(term=raw.strip())


def build_terms(
    group: GroupSpec, *, language: str | None, channel: str | None, source: str
) -> list[Term]:
    rule_group = RuleGroup(
        id=group.id,
        category=group.category,
        severity=group.severity,
        explanation=group.explanation,
        legal_ref=group.legal_ref,
        language=language,
        channel=channel,
    )
    terms = []
    for raw in group.terms:
        spec = _parse_term(raw)
        try:
            expanded = expand_braces(spec.term)
        except ValueError as exc:
            raise RuleSetError(f"{source}: group {group.id}: {exc}") from exc
        for text in expanded:
            text = text.strip()
            prefix = text.endswith("*")
            text = text.rstrip("*").strip()
            if not text or "*" in text:
                raise RuleSetError(
                    f"{source}: group {group.id}: '*' may only end a term: {spec.term!r}"
                )
            terms.append(
                Term(
                    group=rule_group,
                    text=text,
                    prefix=prefix,
                    severity=spec.severity or group.severity,
                    suggestion=spec.suggest,
                    excepts=tuple(spec.excepts),
                    group_excepts=tuple(group.excepts),
                    except_before=spec.except_before + group.except_before,
                    except_after=spec.except_after + group.except_after,
                )
            )
    return terms


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetError(f"{source}: not valid YAML: {exc}") from exc


def parse_rule_file(text: str, source: str) -> list[Term]:
    data = load_yaml(text, source)
    try:
        spec = RuleFileSpec.model_validate(data)
    except ValidationError as exc:
        raise RuleSetError(f"{source}: {_validation_message(exc)}") from exc
    terms: list[Term] = []
    seen: set[str] = set()
    for group in spec.groups:
        if group.id in seen:
            raise RuleSetError(f"{source}: duplicate group id {group.id}")
        seen.add(group.id)
        terms.extend(build_terms(group, language=spec.language, channel=None, source=source))
    return terms


def packaged_file(name: str) -> tuple[str, str]:
    """(text, source name) of a data file shipped in ``kefu/compliance/rules/``."""
    ref = resources.files("kefu.compliance").joinpath("rules", name)
    return ref.read_text(encoding="utf-8"), f"kefu/compliance/rules/{name}"


def _read(path: Path) -> tuple[str, str]:
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleSetError(f"cannot read rule file {path}: {exc}") from exc


def version_of(texts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def load_rule_set(extra_files: Sequence[Path] = (), *, packaged: bool = True) -> RuleSet:
    """The shipped rule files (zh, en, pl) plus any ``extra_files`` a deployment adds."""
    files: list[tuple[str, str]] = []
    if packaged:
        files.extend(packaged_file(f"{lang}.yaml") for lang in LANGUAGES)
    files.extend(_read(p) for p in extra_files)
    if not files:
        raise RuleSetError("no rule files given")
    terms: list[Term] = []
    group_sources: dict[str, str] = {}
    for text, source in files:
        parsed = parse_rule_file(text, source)
        for group_id in {t.group.id for t in parsed}:
            if group_id in group_sources:
                raise RuleSetError(
                    f"group id {group_id} is defined in both {group_sources[group_id]} and {source}"
                )
            group_sources[group_id] = source
        terms.extend(parsed)
    return RuleSet(
        terms=tuple(terms),
        version=version_of(text for text, _ in files),
        sources=tuple(source for _, source in files),
    )
