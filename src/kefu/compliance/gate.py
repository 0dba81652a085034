"""The compliance gate every outgoing text passes: a verdict (allow / warn / block) with findings.

Build one :class:`ComplianceGate` at start-up (the app factory, a CLI command) and share it: it
loads the rule files, validates them against the message catalog and compiles one automaton
over every language's and channel's terms. A workspace's own lists are compiled into a small
overlay automaton, cached by ``(workspace_id, version)``: bump the version when the lists change.
The gate is immutable after construction apart from that cache, and safe to use from threads.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Literal, get_args

from kefu.compliance.catalog import Catalog, load_catalog, require_keys, resolve_locale
from kefu.compliance.errors import RuleSetError
from kefu.compliance.matcher import CompiledRules, RuleMatch
from kefu.compliance.normalize import fold, traditional_chars
from kefu.compliance.pii import (
    PERSONAL_DATA_KINDS,
    RedactionStyle,
    find_personal_data,
    mask,
    replace_spans,
)
from kefu.compliance.platforms import (
    DETECTORS,
    PlatformRules,
    ReplyCheck,
    ReplyWindow,
    load_platform_rules,
)
from kefu.compliance.rules import (
    LANGUAGES,
    SEVERITY_RANK,
    Category,
    RuleGroup,
    RuleSet,
    Severity,
    Term,
    load_rule_set,
)
from kefu.core.errors import InvalidInput

Decision = Literal["allow", "warn", "block"]
FindingSource = Literal["rules", "workspace", "platform", "personal_data"]
CUSTOM_EXPLANATION = "custom.blocked"
_CATEGORIES = frozenset(get_args(Category))


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str  # rule group id ("zh.absolute.superlative"), "pii.phone", "douyin.no_links"…
    category: str
    severity: Severity
    start: int  # span in the original text: text[start:end] == matched_text
    end: int
    matched_text: str
    suggestion: str | None
    explanation_key: str
    term: str | None = None  # the rule's term, the personal-data kind or the detector
    legal_ref: str | None = None
    source: FindingSource = "rules"
    channel: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    findings: tuple[Finding, ...]
    rules_version: str

    @property
    def blocked(self) -> bool:
        return self.decision == "block"

    @property
    def needs_confirmation(self) -> bool:
        """A warning: the agent may send after confirming they mean it."""
        return self.decision == "warn"


@dataclass(frozen=True, slots=True)
class CustomTerm:
    term: str
    severity: Severity = "block"
    category: str = "custom"
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class WorkspaceRules:
    """A workspace's own layer: extra blocked terms, allow-listed phrases, disabled rules.

    ``version`` must change whenever the lists do; the gate caches the compiled overlay by
    ``(workspace_id, version)``. ``allowed`` phrases (a brand name, the shop's own hotline or
    e-mail) excuse any content or personal-data finding inside them, never a platform rule.
    ``disabled_rules`` holds rule ids or individual terms of the shipped rule sets.
    """

    workspace_id: str
    version: str | int
    blocked: tuple[CustomTerm, ...] = ()
    allowed: tuple[str, ...] = ()
    disabled_rules: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_dict(
        cls, workspace_id: str, version: str | int, data: Mapping[str, Any]
    ) -> WorkspaceRules:
        """From stored JSON: ``{"blocked": ["x", {"term": "y", "severity": "warn"}], …}``."""
        unknown = set(data) - {"blocked", "allowed", "disabled_rules"}
        if unknown:
            raise InvalidInput(f"unknown workspace rule fields: {sorted(unknown)}")
        blocked = []
        for item in data.get("blocked", []):
            if isinstance(item, str):
                blocked.append(CustomTerm(term=item))
            elif isinstance(item, Mapping):
                extra = set(item) - {"term", "severity", "category", "suggestion"}
                if extra or not isinstance(item.get("term"), str):
                    raise InvalidInput(f"invalid blocked term {item!r}")
                blocked.append(
                    CustomTerm(
                        term=item["term"],
                        severity=item.get("severity", "block"),
                        category=item.get("category", "custom"),
                        suggestion=item.get("suggestion"),
                    )
                )
            else:
                raise InvalidInput(f"invalid blocked term {item!r}")
        allowed = data.get("allowed", [])
        disabled = data.get("disabled_rules", [])
        if not all(isinstance(a, str) for a in allowed) or not all(
            isinstance(d, str) for d in disabled
        ):
            raise InvalidInput("allowed and disabled_rules must be lists of strings")
        return cls(
            workspace_id=workspace_id,
            version=version,
            blocked=tuple(blocked),
            allowed=tuple(allowed),
            disabled_rules=frozenset(disabled),
        )


def language_key(language: str | None) -> str | None:
    """``"zh-TW"`` → ``"zh"``; None stays None (check every language's rules)."""
    if language is None:
        return None
    primary = language.strip().replace("_", "-").split("-")[0].lower()
    if primary not in LANGUAGES:
        raise InvalidInput(
            f"no rule set for language {language!r}; use one of {', '.join(LANGUAGES)} "
            "or none to apply all"
        )
    return primary


@cache
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def _traditional(text: str) -> bool:
    return traditional_chars().search(text) is not None


def _workspace_terms(rules: WorkspaceRules) -> list[Term]:
    terms = []
    for custom in rules.blocked:
        if custom.severity not in SEVERITY_RANK:
            raise InvalidInput(f"invalid severity {custom.severity!r} for {custom.term!r}")
        if custom.category not in _CATEGORIES:
            raise InvalidInput(f"invalid category {custom.category!r} for {custom.term!r}")
        text = custom.term.strip()
        prefix = text.endswith("*")
        group = RuleGroup(
            id=f"workspace.{custom.category}",
            category=custom.category,
            severity=custom.severity,
            explanation=CUSTOM_EXPLANATION,
            legal_ref=None,
            language=None,
            channel=None,
        )
        terms.append(
            Term(
                group=group,
                text=text.rstrip("*").strip(),
                prefix=prefix,
                severity=custom.severity,
                suggestion=custom.suggestion,
                excepts=(),
                group_excepts=(),
                except_before="",
                except_after="",
            )
        )
    return terms


class ComplianceGate:
    def __init__(
        self,
        *,
        rule_set: RuleSet | None = None,
        platforms: PlatformRules | None = None,
        catalog: Catalog | None = None,
        workspace_cache_size: int = 256,
    ) -> None:
        self.rule_set = rule_set if rule_set is not None else load_rule_set()
        self.platforms = platforms if platforms is not None else load_platform_rules()
        self.catalog = catalog if catalog is not None else load_catalog()
        all_terms = [*self.rule_set.terms, *self.platforms.terms]
        require_keys(
            self.catalog,
            [t.group.explanation for t in all_terms]
            + [
                r.explanation
                for c in self.platforms.channels
                for r in self.platforms.policy(c).content
            ]
            + [f"pii.{kind}" for kind in PERSONAL_DATA_KINDS]
            + [CUSTOM_EXPLANATION],
            what="rules",
        )
        self._base = CompiledRules(all_terms)
        self.version = f"{self.rule_set.version}.{self.platforms.version}"
        self._overlays: OrderedDict[tuple[str, str], CompiledRules] = OrderedDict()
        self._overlay_cache_size = workspace_cache_size
        self._lock = threading.Lock()

    @property
    def term_count(self) -> int:
        return len(self._base)

    # --- checking -----------------------------------------------------------------------------

    def check(
        self,
        text: str,
        *,
        language: str | None = None,
        channel: str | None = None,
        workspace_rules: WorkspaceRules | None = None,
    ) -> Verdict:
        """The verdict on one outgoing ``text``.

        ``language`` ("zh", "zh-TW", "en", "pl"; None: all rule sets) picks the rule sets;
        ``channel`` adds that platform's rules (unknown names raise); ``workspace_rules``
        layers the workspace's own lists on top.
        """
        lang = language_key(language)
        policy = self.platforms.policy(channel) if channel is not None else None
        disabled = workspace_rules.disabled_rules if workspace_rules else frozenset()
        folded = fold(text)
        matches, allowed = self._base.scan(
            folded, language=lang, channel=channel, disabled=disabled
        )
        if workspace_rules is not None and (workspace_rules.blocked or workspace_rules.allowed):
            extra, extra_allowed = self._overlay(workspace_rules).scan(
                folded, language=None, channel=channel
            )
            allowed.extend(extra_allowed)
        else:
            extra = []
        # Suggestions are written in simplified Chinese; a traditional text gets them converted.
        traditional = any(m.term.suggestion for m in (*matches, *extra)) and _traditional(text)
        findings = [self._rule_finding(m, text, "rules", traditional) for m in matches]
        findings.extend(self._rule_finding(m, text, "workspace", traditional) for m in extra)
        personal = find_personal_data(text, language=lang)
        findings.extend(
            Finding(
                rule_id=f"pii.{p.kind}",
                category="personal_data",
                severity="warn",
                start=p.start,
                end=p.end,
                matched_text=p.text,
                suggestion=None,
                explanation_key=f"pii.{p.kind}",
                term=p.kind,
                source="personal_data",
            )
            for p in personal
        )
        if policy is not None:
            for rule in policy.content:
                for start, end in DETECTORS[rule.detector](text, personal):
                    findings.append(
                        Finding(
                            rule_id=rule.id,
                            category="platform",
                            severity=rule.severity,
                            start=start,
                            end=end,
                            matched_text=text[start:end],
                            suggestion=None,
                            explanation_key=rule.explanation,
                            term=rule.detector,
                            source="platform",
                            channel=rule.channel,
                        )
                    )
        if allowed:
            excused = _Coverage(allowed)
            findings = [f for f in findings if f.source == "platform" or not excused.covers(f)]
        findings = _without_overlaps(findings)
        return Verdict(
            decision=_decision(findings), findings=tuple(findings), rules_version=self.version
        )

    def _rule_finding(
        self, match: RuleMatch, text: str, source: FindingSource, traditional: bool
    ) -> Finding:
        term = match.term
        matched = text[match.start : match.end]
        suggestion = term.suggestion
        if suggestion and traditional:
            suggestion = _s2t().convert(suggestion)
        return Finding(
            rule_id=term.group.id,
            category=term.group.category,
            severity=term.severity,
            start=match.start,
            end=match.end,
            matched_text=matched,
            suggestion=suggestion,
            explanation_key=term.group.explanation,
            term=term.text,
            legal_ref=term.group.legal_ref,
            source=source,
            channel=term.group.channel,
        )

    def _overlay(self, rules: WorkspaceRules) -> CompiledRules:
        key = (rules.workspace_id, str(rules.version))
        with self._lock:
            compiled = self._overlays.get(key)
            if compiled is not None:
                self._overlays.move_to_end(key)
                return compiled
        try:
            compiled = CompiledRules(_workspace_terms(rules), allow=rules.allowed)
        except RuleSetError as exc:
            raise InvalidInput(f"workspace rules: {exc.message}") from exc
        with self._lock:
            self._overlays[key] = compiled
            # Older versions of the same workspace are dead weight once a newer one is compiled.
            for stale in [k for k in self._overlays if k[0] == key[0] and k != key]:
                del self._overlays[stale]
            while len(self._overlays) > self._overlay_cache_size:
                self._overlays.popitem(last=False)
        return compiled

    # --- explaining and redacting ---------------------------------------------------------

    def explain(self, finding: Finding, locale: str) -> str:
        """Why ``finding`` was raised, in ``locale`` (zh-CN, zh-TW, en, pl and their variants)."""
        loc = resolve_locale(locale)
        suggestion = finding.suggestion
        if suggestion and loc == "zh-TW":
            suggestion = _s2t().convert(suggestion)
        return self.catalog.explain(
            finding.explanation_key,
            loc,
            matched=finding.matched_text,
            suggestion=suggestion,
            channel=finding.channel,
        )

    def report(self, verdict: Verdict, locale: str) -> dict[str, Any]:
        """A JSON-ready verdict with explanations and names in ``locale`` (for API and CLI)."""
        loc = resolve_locale(locale)
        return {
            "decision": verdict.decision,
            "decision_label": self.catalog.name("decisions", verdict.decision, loc),
            "rules_version": verdict.rules_version,
            "locale": loc,
            "findings": [
                {
                    **f.to_dict(),
                    "category_label": self.catalog.name("categories", f.category, loc),
                    "severity_label": self.catalog.name("severities", f.severity, loc),
                    "explanation": self.explain(f, loc),
                }
                for f in verdict.findings
            ],
        }

    def redact(
        self, text: str, findings: Iterable[Finding], *, style: RedactionStyle = "partial"
    ) -> str:
        return redact(text, findings, style=style)

    # --- platform rules -----------------------------------------------------------------------

    def reply_window(self, channel: str) -> ReplyWindow | None:
        return self.platforms.reply_window(channel)

    def can_reply(
        self,
        channel: str,
        *,
        last_inbound_at: datetime | None,
        sent_since: int,
        now: datetime | None = None,
    ) -> ReplyCheck:
        return self.platforms.can_reply(
            channel, last_inbound_at=last_inbound_at, sent_since=sent_since, now=now
        )


def redact(text: str, findings: Iterable[Finding], *, style: RedactionStyle = "partial") -> str:
    """``text`` with every finding's span masked.

    Personal data: ``partial`` keeps enough to recognise it (``138****5678``), ``label`` writes
    the kind (``[phone]``). Other findings: ``partial`` keeps the first character
    (``f***``), ``label`` writes the category (``[profanity]``).
    """
    spans = []
    for f in findings:
        if text[f.start : f.end] != f.matched_text:
            raise InvalidInput("finding does not belong to this text")
        if f.category == "personal_data" and f.term is not None:
            replacement = mask(f.term, f.matched_text, style)
        elif style == "label":
            replacement = f"[{f.category}]"
        else:
            replacement = f.matched_text[:1] + "*" * (len(f.matched_text) - 1)
        spans.append((f.start, f.end, replacement))
    return replace_spans(text, spans)


def _decision(findings: Sequence[Finding]) -> Decision:
    worst = max((SEVERITY_RANK[f.severity] for f in findings), default=0)
    if worst >= SEVERITY_RANK["block"]:
        return "block"
    return "warn" if worst else "allow"


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """One finding per span (the most severe), and none inside a longer one of its category."""
    if len(findings) < 2:
        return findings
    ordered = sorted(
        findings, key=lambda f: (f.start, -(f.end - f.start), -SEVERITY_RANK[f.severity])
    )
    kept: list[Finding] = []
    spans: set[tuple[int, int]] = set()
    # Kept findings start no later than the current one, so it lies inside one of its category
    # exactly when it ends no later than the furthest end kept so far for that category.
    furthest: dict[str, int] = {}
    for f in ordered:
        if (f.start, f.end) in spans or f.end <= furthest.get(f.category, -1):
            continue
        kept.append(f)
        spans.add((f.start, f.end))
        furthest[f.category] = max(furthest.get(f.category, -1), f.end)
    return kept


class _Coverage:
    """The union of some spans, for asking whether a finding lies inside it."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [m[0] for m in merged]
        self._ends = [m[1] for m in merged]

    def covers(self, finding: Finding) -> bool:
        i = bisect_right(self._starts, finding.start) - 1
        return i >= 0 and finding.end <= self._ends[i]
