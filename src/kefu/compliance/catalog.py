"""Explanations in the agent's language: a message catalog (zh-CN, zh-TW, en, pl) kept as data.

``rules/messages.yaml`` maps each explanation key to one text per locale, plus the names of
categories, severities, decisions and channels. Every key a rule refers to must exist in every
locale; :func:`load_catalog` refuses a catalog with holes rather than falling back at run time.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kefu.compliance.errors import RuleSetError, UnsupportedLocale
from kefu.compliance.rules import load_yaml, packaged_file

LOCALES: tuple[str, ...] = ("zh-CN", "zh-TW", "en", "pl")
TEMPLATE_FIELDS = frozenset({"matched", "suggestion", "channel"})

_TRADITIONAL_TAGS = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


def resolve_locale(tag: str) -> str:
    """Map a BCP 47 tag to a supported locale: ``zh-Hant-HK`` → ``zh-TW``, ``en-GB`` → ``en``."""
    t = tag.strip().replace("_", "-").lower()
    if any(t == p or t.startswith(p + "-") for p in _TRADITIONAL_TAGS):
        return "zh-TW"
    for prefix, locale in (("zh", "zh-CN"), ("en", "en"), ("pl", "pl")):
        if t == prefix or t.startswith(prefix + "-"):
            return locale
    raise UnsupportedLocale(f"unsupported locale {tag!r}; supported: {', '.join(LOCALES)}")


class _CatalogSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locales: list[str]
    suggestion: dict[str, str]
    categories: dict[str, dict[str, str]]
    severities: dict[str, dict[str, str]]
    decisions: dict[str, dict[str, str]]
    channels: dict[str, dict[str, str]]
    messages: dict[str, dict[str, str]] = Field(min_length=1)


@dataclass(frozen=True)
class Catalog:
    messages: Mapping[str, Mapping[str, str]]
    suggestion: Mapping[str, str]
    names: Mapping[str, Mapping[str, Mapping[str, str]]]  # table → key → locale → text

    def has(self, key: str) -> bool:
        return key in self.messages

    def explain(
        self,
        key: str,
        locale: str,
        *,
        matched: str,
        suggestion: str | None = None,
        channel: str | None = None,
    ) -> str:
        loc = resolve_locale(locale)
        try:
            template = self.messages[key][loc]
        except KeyError:
            raise RuleSetError(f"no explanation {key!r} in the message catalog") from None
        channel_name = self.name("channels", channel, loc) if channel else ""
        text = template.format(matched=matched, suggestion=suggestion or "", channel=channel_name)
        if suggestion:
            text += self.suggestion[loc].format(
                suggestion=suggestion, matched=matched, channel=channel_name
            )
        return text

    def name(self, table: str, key: str, locale: str) -> str:
        """The localised name of a category, severity, decision or channel (the key if none)."""
        loc = resolve_locale(locale)
        return self.names.get(table, {}).get(key, {}).get(loc, key)


def _check_template(where: str, template: str) -> None:
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise RuleSetError(f"{where}: malformed template: {exc}") from exc
    unknown = fields - TEMPLATE_FIELDS
    if unknown:
        raise RuleSetError(f"{where}: unknown template fields {sorted(unknown)}")


def parse_catalog(text: str, source: str) -> Catalog:
    data = load_yaml(text, source)
    try:
        spec = _CatalogSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleSetError(
            f"{source}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        ) from exc
    if tuple(spec.locales) != LOCALES:
        raise RuleSetError(f"{source}: locales must be {list(LOCALES)}")
    tables = {
        "suggestion": {"_": spec.suggestion},
        "categories": spec.categories,
        "severities": spec.severities,
        "decisions": spec.decisions,
        "channels": spec.channels,
        "messages": spec.messages,
    }
    for table, entries in tables.items():
        for key, texts in entries.items():
            missing = [loc for loc in LOCALES if not texts.get(loc)]
            if missing:
                raise RuleSetError(f"{source}: {table}.{key} lacks {', '.join(missing)}")
            for loc, template in texts.items():
                _check_template(f"{source}: {table}.{key}.{loc}", template)
    return Catalog(
        messages=spec.messages,
        suggestion=spec.suggestion,
        names={
            "categories": spec.categories,
            "severities": spec.severities,
            "decisions": spec.decisions,
            "channels": spec.channels,
        },
    )


def load_catalog(path: Path | None = None) -> Catalog:
    if path is None:
        text, source = packaged_file("messages.yaml")
    else:
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleSetError(f"cannot read message catalog {path}: {exc}") from exc
    return parse_catalog(text, source)


def require_keys(catalog: Catalog, keys: Iterable[str], *, what: str) -> None:
    """Refuse rules that name an explanation the catalog does not have."""
    missing = sorted({k for k in keys if not catalog.has(k)})
    if missing:
        raise RuleSetError(f"{what} refer to explanations missing from the catalog: {missing}")
