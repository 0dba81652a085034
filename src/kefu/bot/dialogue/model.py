"""What the dialogue engine reads and returns: state, context, classifier protocol, turns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, Protocol

from kefu.core.errors import InvalidInput

HandoffReason = Literal[
    "asked_for_human", "not_understood", "complaint", "vip", "rule", "offline_ticket"
]
OfflineStep = Literal["message", "contact"]
SUPPORTED_LANGUAGES = ("zh-CN", "zh-TW", "en", "pl")
STATE_VERSION = 1


class CandidateLike(Protocol):
    """One alternative the classifier considered (``kefu.bot.nlu.Candidate`` fits)."""

    @property
    def name(self) -> str: ...

    @property
    def score(self) -> float: ...


class PredictionLike(Protocol):
    """What a classifier understood (``kefu.bot.nlu.Prediction`` fits as it is).

    ``language`` may be a pack language (``zh-CN``) or the intent engine's script code
    (``zh-Hans``, ``zh-Hant``, ``en``, ``pl``, ``mixed``, ``und``); unknown codes are ignored.
    """

    @property
    def intent(self) -> str | None: ...

    @property
    def confidence(self) -> float: ...

    @property
    def out_of_scope(self) -> bool: ...

    @property
    def top(self) -> Sequence[CandidateLike]: ...

    @property
    def language(self) -> str | None: ...


class Classifier(Protocol):
    """Anything that maps a customer message to an intent (``kefu.bot.nlu.NluModel`` fits)."""

    def predict(self, text: str) -> PredictionLike: ...


@dataclass(frozen=True)
class Context:
    """Facts about the conversation the server knows and the engine never stores.

    ``open_now`` comes from the workspace's business-hours calendar (routing owns it, with its
    holidays), so the engine never computes opening hours itself. ``business_hours`` is the same
    calendar as text for answers. ``reachable`` says whether the channel can reach the customer
    later without an e-mail or phone (WeChat, WhatsApp: yes; an anonymous web visitor: no).
    """

    workspace_name: str
    business_hours: str = ""
    open_now: bool = True
    contact_name: str = ""
    language: str | None = None
    reachable: bool = True
    vip: bool = False
    greeting: str | None = None


@dataclass(frozen=True)
class QuickReplyButton:
    """A button under a bot message; pressing it sends ``payload`` back with ``title`` as text.

    Payloads: ``intent:<name>`` selects an intent directly; ``csat:<1-5>`` rates the chat.
    """

    title: str
    payload: str


@dataclass(frozen=True)
class ProductCard:
    kind: Literal["product"]
    title: str
    price: str
    url: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class OrderCard:
    kind: Literal["order"]
    number: str
    status: str
    carrier: str | None
    tracking: str | None
    eta: str | None
    total: str | None


@dataclass(frozen=True)
class BotMessage:
    """One message the bot sends: plain text (never HTML), buttons, and an optional card."""

    text: str
    quick_replies: tuple[QuickReplyButton, ...] = ()
    card: ProductCard | OrderCard | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Handoff:
    """The bot steps aside: the server queues the conversation with this reason and priority."""

    reason: HandoffReason
    priority: int
    intent: str | None
    summary: str
    contact_detail: str | None = None


@dataclass(frozen=True)
class CsatResult:
    score: int


@dataclass(frozen=True)
class DialogueState:
    """Everything the engine remembers between turns; the server stores ``to_dict()`` as JSON.

    The engine never mutates a state; every turn returns a new one.
    """

    greeted: bool = False
    language: str | None = None
    active_intent: str | None = None
    slots: Mapping[str, str] = field(default_factory=dict)
    pending_slot: str | None = None
    slot_retries: int = 0
    not_found: int = 0
    failed: int = 0
    handed_off: bool = False
    handoff_reason: str | None = None
    offline_step: OfflineStep | None = None
    offline_message: str | None = None
    offline_retries: int = 0
    csat_pending: bool = False
    last_intent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["slots"] = dict(self.slots)
        data["version"] = STATE_VERSION
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DialogueState:
        """Rebuild a stored state; a malformed one is ``InvalidInput``, never half-loaded."""
        if not isinstance(data, Mapping):
            raise InvalidInput("dialogue state must be a JSON object")
        version = data.get("version", STATE_VERSION)
        if version != STATE_VERSION:
            raise InvalidInput(f"dialogue state version {version!r} is not supported")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known) - {"version"})
        if unknown:
            raise InvalidInput(f"dialogue state has unknown fields: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name == "version":
                continue
            values[name] = _checked(name, value)
        if values.get("offline_step") not in (None, "message", "contact"):
            raise InvalidInput(f"dialogue state: bad offline_step {values['offline_step']!r}")
        return cls(**values)


_BOOLS = {"greeted", "handed_off", "csat_pending"}
_INTS = {"slot_retries", "not_found", "failed", "offline_retries"}


def _checked(name: str, value: Any) -> Any:
    if name in _BOOLS:
        if not isinstance(value, bool):
            raise InvalidInput(f"dialogue state: {name} must be true or false")
        return value
    if name in _INTS:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidInput(f"dialogue state: {name} must be a non-negative integer")
        return value
    if name == "slots":
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise InvalidInput("dialogue state: slots must map names to strings")
        return dict(value)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"dialogue state: {name} must be a string or null")
    return value


@dataclass(frozen=True)
class Turn:
    """The engine's answer to one customer message.

    ``messages`` is empty once the conversation is handed off (the bot never talks over an
    agent). ``understood`` is False when the bot could not answer the message (the learning loop
    collects those).
    """

    messages: tuple[BotMessage, ...]
    state: DialogueState
    handoff: Handoff | None = None
    csat: CsatResult | None = None
    intent: str | None = None
    understood: bool = True
