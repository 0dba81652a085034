"""The bot's per-conversation records: dialogue state, unanswered questions and CSAT ratings.
The only writer of those tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.bot.dialogue import DialogueState
from kefu.bot.models import BotConversationState, CsatRating, UnansweredQuestion
from kefu.conversations.models import Conversation
from kefu.core.errors import InvalidInput
from kefu.core.ids import new_id

MAX_UNANSWERED_READ = 2000


def load(session: Session, *, conversation_id: str) -> tuple[DialogueState, dict[str, Any]]:
    """The stored dialogue state and the runner's own notes (``csat_for`` …); fresh ones when
    nothing is stored or what is stored no longer validates (a newer Kefu wrote it)."""
    row = session.get(BotConversationState, conversation_id)
    if row is None:
        return DialogueState(), {}
    data = dict(row.state or {})
    extra = dict(data.get("extra") or {})
    try:
        return DialogueState.from_dict(data.get("dialogue") or {}), extra
    except InvalidInput:
        return DialogueState(), extra


def save(
    session: Session,
    *,
    conversation_id: str,
    workspace_id: str,
    state: DialogueState,
    extra: dict[str, Any],
) -> None:
    data = {"dialogue": state.to_dict(), "extra": extra}
    row = session.get(BotConversationState, conversation_id)
    if row is None:
        session.add(
            BotConversationState(
                conversation_id=conversation_id, workspace_id=workspace_id, state=data
            )
        )
    else:
        row.state = data


def record_unanswered(
    session: Session,
    *,
    conv: Conversation,
    message_id: str,
    text: str,
    language: str | None,
    reason: str,
) -> None:
    """Keep a question for the learning loop (once per message)."""
    if not text.strip() or session.scalar(
        select(UnansweredQuestion.id).where(UnansweredQuestion.message_id == message_id)
    ):
        return
    session.add(
        UnansweredQuestion(
            id=new_id(),
            workspace_id=conv.workspace_id,
            conversation_id=conv.id,
            message_id=message_id,
            text=text[:2000],
            language=language,
            reason=reason,
        )
    )


def unanswered(session: Session, *, workspace_id: str) -> list[UnansweredQuestion]:
    return list(
        session.scalars(
            select(UnansweredQuestion)
            .where(UnansweredQuestion.workspace_id == workspace_id)
            .order_by(UnansweredQuestion.created_at.desc())
            .limit(MAX_UNANSWERED_READ)
        )
    )


def record_csat(session: Session, *, conv: Conversation, score: int, extra: dict[str, Any]) -> None:
    if not 1 <= score <= 5:
        raise InvalidInput("a CSAT score is 1 to 5")
    session.add(
        CsatRating(
            id=new_id(),
            workspace_id=conv.workspace_id,
            conversation_id=conv.id,
            agent_id=extra.get("csat_agent"),
            score=score,
        )
    )


def ratings(session: Session, *, workspace_id: str) -> list[CsatRating]:
    return list(
        session.scalars(
            select(CsatRating)
            .where(CsatRating.workspace_id == workspace_id)
            .order_by(CsatRating.created_at.desc())
            .limit(MAX_UNANSWERED_READ)
        )
    )
