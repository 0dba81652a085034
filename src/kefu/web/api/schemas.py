"""Request and response bodies of the HTTP API that are not a domain's own schemas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kefu.agents.models import Agent
from kefu.workspaces.models import Inbox

Locale = Literal["zh-CN", "zh-TW", "en", "pl"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)


class MeUpdate(Strict):
    locale: Locale | None = None
    presence: Literal["online", "away", "offline"] | None = None


class AgentCreate(Strict):
    email: str = Field(max_length=320)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=1000)
    role: Literal["admin", "supervisor", "agent"] = "agent"
    locale: Locale = "en"
    inbox_ids: list[str] = Field(default_factory=list, max_length=200)


class AgentRead(BaseModel):
    id: str
    name: str
    email: str
    role: str
    locale: str
    presence: str

    @classmethod
    def of(cls, agent: Agent) -> AgentRead:
        return cls(
            id=agent.id,
            name=agent.name,
            email=agent.email,
            role=agent.role,
            locale=agent.locale,
            presence=agent.presence,
        )


class PrechatField(Strict):
    name: Literal["name", "email", "phone"]
    required: bool = False


class InboxCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    channel: Literal["web", "api"]
    greeting: str | None = Field(default=None, max_length=1000)
    prechat_fields: list[PrechatField] = Field(default_factory=list, max_length=3)
    webhook_url: str | None = Field(default=None, max_length=2000)


class InboxRead(BaseModel):
    id: str
    name: str
    channel: str
    token: str
    greeting: str | None
    prechat_fields: list[dict[str, Any]]
    webhook_url: str | None
    bot_enabled: bool = False

    @classmethod
    def of(cls, inbox: Inbox) -> InboxRead:
        return cls(
            id=inbox.id,
            name=inbox.name,
            channel=inbox.channel,
            token=inbox.token,
            greeting=inbox.greeting,
            prechat_fields=list(inbox.prechat_fields or []),
            webhook_url=inbox.webhook_url,
            bot_enabled=bool(inbox.bot_enabled),
        )


class InboxSecret(InboxRead):
    secret: str


class AssignRequest(Strict):
    agent_id: str | None


class TagRequest(Strict):
    name: str = Field(min_length=1, max_length=64)


class RenderRequest(Strict):
    conversation_id: str


class ApiKeyCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


class Sender(Strict):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class ApiInbound(Strict):
    sender: Sender
    text: str = ""
    attachments: list[dict[str, Any]] = Field(default_factory=list, max_length=10)
    # The payload of a quick-reply button the customer pressed on the platform, if any.
    payload: str | None = Field(default=None, min_length=1, max_length=200)
