"""Read models of conversations and messages, shared by the HTTP API, websockets and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, pattern=r"^https?://")
    name: str = Field(max_length=300)
    mime: str = Field(default="application/octet-stream", max_length=200)
    size: int = Field(default=0, ge=0)


class MessageRead(BaseModel):
    id: str
    conversation_id: str
    inbox_id: str
    seq: int
    direction: Literal["in", "out"]
    sender_kind: Literal["contact", "bot", "agent", "system"]
    sender_id: str | None
    sender_name: str | None
    text: str
    private: bool
    attachments: list[dict[str, Any]]
    client_message_id: str | None
    delivery_status: str
    created_at: datetime
    content: dict[str, Any] | None = None

    def public(self) -> dict[str, Any]:
        """What the customer's widget may see: no internal ids, never private notes."""
        return {
            "id": self.id,
            "seq": self.seq,
            "direction": self.direction,
            "sender_kind": self.sender_kind,
            "sender_name": self.sender_name,
            "text": self.text,
            "attachments": self.attachments,
            "client_id": self.client_message_id,
            "created_at": self.created_at.isoformat(),
            "content": self.content,
        }


class PersonRef(BaseModel):
    id: str
    name: str | None


class ContactRef(BaseModel):
    id: str
    name: str | None
    email: str | None
    phone: str | None


class ConversationRead(BaseModel):
    id: str
    inbox_id: str
    state: Literal["bot", "queued", "assigned", "resolved"]
    assignee: PersonRef | None
    contact: ContactRef
    tags: list[str]
    priority: int
    handoff_reason: str | None
    intent: str | None = None
    last_message: MessageRead | None
    last_message_at: datetime
    queued_at: datetime | None
    created_at: datetime


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    private: bool = False
    # A reply the compliance gate warns about is sent only when the agent confirms it.
    confirm_warnings: bool = False


class CannedResponseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    short_code: str = Field(min_length=1, max_length=64, pattern=r"^[\w-]+$")
    text: str = Field(min_length=1, max_length=4000)


class CannedResponseRead(BaseModel):
    id: str
    short_code: str
    text: str
