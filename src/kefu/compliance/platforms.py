"""Platform rules as data: what each channel forbids in a message, and its reply window.

``rules/platforms.yaml`` lists every channel Kefu knows. A channel may have

- a **reply window**: how long after the customer's last message a free-form reply may be sent,
  and how many (WeChat customer-service messages: 48 h and 5 messages; WhatsApp: 24 h). Channel
  adapters enforce it through :meth:`PlatformRules.can_reply`;
- **content rules**: detectors (links, phone numbers, e-mail, WeChat ids, QQ numbers) whose finds
  are findings on that channel (Douyin forbids off-platform contact details);
- **term groups**: phrases forbidden on that channel only, matched like the language rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kefu.compliance.contact_details import find_links, find_qq_numbers, find_wechat_ids
from kefu.compliance.errors import RuleSetError, UnknownChannel
from kefu.compliance.pii import PersonalData
from kefu.compliance.rules import (
    GroupSpec,
    Severity,
    Term,
    build_terms,
    load_yaml,
    packaged_file,
    version_of,
)
from kefu.core.clock import utcnow
from kefu.core.errors import InvalidInput

DetectorName = Literal["url", "phone", "email", "wechat_id", "qq_number"]
Detector = Callable[[str, Sequence[PersonalData]], list[tuple[int, int]]]


def _personal(kind: str) -> Detector:
    def detect(_text: str, personal: Sequence[PersonalData]) -> list[tuple[int, int]]:
        return [(p.start, p.end) for p in personal if p.kind == kind]

    return detect


def _links(text: str, personal: Sequence[PersonalData]) -> list[tuple[int, int]]:
    emails = [(p.start, p.end) for p in personal if p.kind == "email"]
    return [
        (s, e) for s, e in find_links(text) if not any(es <= s and e <= ee for es, ee in emails)
    ]


DETECTORS: dict[str, Detector] = {
    "url": _links,
    "phone": _personal("phone"),
    "email": _personal("email"),
    "wechat_id": lambda text, _p: find_wechat_ids(text),
    "qq_number": lambda text, _p: find_qq_numbers(text),
}


class _WindowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: float = Field(gt=0)
    max_messages: int | None = Field(default=None, ge=1)
    source: str = Field(min_length=1)


class _ContentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    detector: DetectorName
    severity: Severity
    explanation: str = Field(min_length=1)
    source: str | None = None


class _ChannelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    reply_window: _WindowSpec | None = None
    content: list[_ContentSpec] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)


class _PlatformFileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: dict[str, _ChannelSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class ReplyWindow:
    hours: float
    max_messages: int | None  # None: no per-window message quota
    source: str


ReplyReason = Literal["no_window", "open", "no_inbound", "window_closed", "quota_exhausted"]


@dataclass(frozen=True, slots=True)
class ReplyCheck:
    """Whether a free-form reply may be sent now, and why (truthy when it may)."""

    allowed: bool
    reason: ReplyReason
    closes_at: datetime | None = None
    remaining: int | None = None  # messages left in the window; None when unlimited

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True, slots=True)
class ContentRule:
    id: str
    channel: str
    detector: str
    severity: Severity
    explanation: str


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    name: str
    description: str
    reply_window: ReplyWindow | None
    content: tuple[ContentRule, ...]


class PlatformRules:
    def __init__(self, policies: dict[str, ChannelPolicy], terms: Sequence[Term], version: str):
        self._policies = policies
        self.terms: tuple[Term, ...] = tuple(terms)
        self.version = version

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._policies)

    def policy(self, channel: str) -> ChannelPolicy:
        try:
            return self._policies[channel]
        except KeyError:
            known = ", ".join(sorted(self._policies))
            raise UnknownChannel(f"unknown channel {channel!r}; known: {known}") from None

    def reply_window(self, channel: str) -> ReplyWindow | None:
        """The channel's reply window, or None when it has none (web widget, e-mail, API)."""
        return self.policy(channel).reply_window

    def can_reply(
        self,
        channel: str,
        *,
        last_inbound_at: datetime | None,
        sent_since: int,
        now: datetime | None = None,
    ) -> ReplyCheck:
        """May a free-form message go out now?

        ``last_inbound_at``: the customer's last message (None if they never wrote);
        ``sent_since``: free-form messages already sent since then. Each customer message opens
        a fresh window with a fresh quota, so the caller counts from the latest one.
        """
        window = self.reply_window(channel)
        if window is None:
            return ReplyCheck(allowed=True, reason="no_window")
        if sent_since < 0:
            raise InvalidInput("sent_since must not be negative")
        if last_inbound_at is None:
            return ReplyCheck(allowed=False, reason="no_inbound", remaining=0)
        now = now if now is not None else utcnow()
        if last_inbound_at.tzinfo is None or now.tzinfo is None:
            raise InvalidInput("reply-window times must be timezone-aware")
        closes_at = last_inbound_at + timedelta(hours=window.hours)
        if now >= closes_at:
            return ReplyCheck(
                allowed=False, reason="window_closed", closes_at=closes_at, remaining=0
            )
        if window.max_messages is not None and sent_since >= window.max_messages:
            return ReplyCheck(
                allowed=False, reason="quota_exhausted", closes_at=closes_at, remaining=0
            )
        remaining = None if window.max_messages is None else window.max_messages - sent_since
        return ReplyCheck(allowed=True, reason="open", closes_at=closes_at, remaining=remaining)


def parse_platform_rules(text: str, source: str) -> PlatformRules:
    data = load_yaml(text, source)
    try:
        spec = _PlatformFileSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RuleSetError(f"{source}: {where}: {first['msg']}") from exc
    policies: dict[str, ChannelPolicy] = {}
    terms: list[Term] = []
    for name, channel in spec.channels.items():
        window = channel.reply_window
        policies[name] = ChannelPolicy(
            name=name,
            description=channel.description,
            reply_window=(
                ReplyWindow(
                    hours=window.hours, max_messages=window.max_messages, source=window.source
                )
                if window is not None
                else None
            ),
            content=tuple(
                ContentRule(
                    id=c.id,
                    channel=name,
                    detector=c.detector,
                    severity=c.severity,
                    explanation=c.explanation,
                )
                for c in channel.content
            ),
        )
        for group in channel.groups:
            terms.extend(build_terms(group, language=None, channel=name, source=source))
    return PlatformRules(policies, terms, version_of([text]))


def load_platform_rules(path: Path | None = None) -> PlatformRules:
    """The shipped ``platforms.yaml``, or a deployment's own file in its place."""
    if path is None:
        text, source = packaged_file("platforms.yaml")
    else:
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleSetError(f"cannot read platform rules {path}: {exc}") from exc
    return parse_platform_rules(text, source)


@cache
def default_platform_rules() -> PlatformRules:
    """The shipped platform rules, loaded on first use and then shared (they are immutable)."""
    return load_platform_rules()


def reply_window(channel: str) -> ReplyWindow | None:
    """Shorthand for :meth:`PlatformRules.reply_window` on the shipped rules."""
    return default_platform_rules().reply_window(channel)


def can_reply(
    channel: str,
    *,
    last_inbound_at: datetime | None,
    sent_since: int,
    now: datetime | None = None,
) -> ReplyCheck:
    """Shorthand for :meth:`PlatformRules.can_reply` on the shipped rules."""
    return default_platform_rules().can_reply(
        channel, last_inbound_at=last_inbound_at, sent_since=sent_since, now=now
    )
