"""Conversation events, published after commit (the console and channels subscribe)."""

from __future__ import annotations

from typing import Literal

from kefu.bus.events import Event, event_type
from kefu.conversations.schemas import ConversationRead, MessageRead


@event_type
class MessageCreated(Event):
    type: Literal["message.created"] = "message.created"
    inbox_id: str
    conversation_id: str
    channel: str
    message: MessageRead


@event_type
class ConversationCreated(Event):
    type: Literal["conversation.created"] = "conversation.created"
    inbox_id: str
    conversation: ConversationRead


@event_type
class ConversationUpdated(Event):
    type: Literal["conversation.updated"] = "conversation.updated"
    inbox_id: str
    conversation: ConversationRead
