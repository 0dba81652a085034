"""The bot's learning loop: cluster questions it could not answer (or handed off) into suggested
new intents, or new examples for existing ones, for a person to review. See docs/learning.md.

Public API: :func:`suggest`, :class:`Unanswered`, :class:`Suggestion`, :func:`normalize_text`.
"""

from kefu.bot.learning.clustering import (
    DEFAULT_DISTANCE_THRESHOLD,
    DEFAULT_INTENT_SIMILARITY,
    suggest,
)
from kefu.bot.learning.model import REASONS, Reason, Suggestion, SuggestionKind, Unanswered
from kefu.bot.learning.normalize import normalize_text

__all__ = [
    "DEFAULT_DISTANCE_THRESHOLD",
    "DEFAULT_INTENT_SIMILARITY",
    "REASONS",
    "Reason",
    "Suggestion",
    "SuggestionKind",
    "Unanswered",
    "normalize_text",
    "suggest",
]
