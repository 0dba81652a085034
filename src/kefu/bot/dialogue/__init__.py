"""The bot's dialogue engine: what the bot says next in a conversation, and when it steps aside.

Pure library (no web, no database). See docs/dialogue.md. Public API:

- :class:`DialogueEngine` (``greet``, ``respond``, ``start_csat``) and :class:`EngineSettings`;
- the turn's input and output: :class:`DialogueState`, :class:`Context`, :class:`Turn`,
  :class:`BotMessage`, :class:`QuickReplyButton`, :class:`ProductCard`, :class:`OrderCard`,
  :class:`Handoff`, :class:`CsatResult`;
- what it depends on: :class:`Classifier` (``kefu.bot.nlu.NluModel`` fits) and
  :class:`ShopConnector`, with :class:`InMemoryShop` as a complete in-memory implementation;
- :func:`parse_csat`, :func:`human_request`, :func:`is_angry`, :func:`start_csat`.
"""

from kefu.bot.dialogue.connector import (
    Booking,
    BookingRequest,
    ConnectorUnavailable,
    Course,
    InMemoryShop,
    Order,
    Product,
    ShopConnector,
    UnconnectedShop,
)
from kefu.bot.dialogue.engine import DialogueEngine, EngineSettings, start_csat
from kefu.bot.dialogue.model import (
    BotMessage,
    CandidateLike,
    Classifier,
    Context,
    CsatResult,
    DialogueState,
    Handoff,
    HandoffReason,
    OrderCard,
    PredictionLike,
    ProductCard,
    QuickReplyButton,
    Turn,
)
from kefu.bot.dialogue.signals import human_request, is_angry, parse_csat

__all__ = [
    "Booking",
    "BookingRequest",
    "BotMessage",
    "CandidateLike",
    "Classifier",
    "ConnectorUnavailable",
    "Context",
    "Course",
    "CsatResult",
    "DialogueEngine",
    "DialogueState",
    "EngineSettings",
    "Handoff",
    "HandoffReason",
    "InMemoryShop",
    "Order",
    "OrderCard",
    "PredictionLike",
    "Product",
    "ProductCard",
    "QuickReplyButton",
    "ShopConnector",
    "Turn",
    "UnconnectedShop",
    "human_request",
    "is_angry",
    "parse_csat",
    "start_csat",
]
