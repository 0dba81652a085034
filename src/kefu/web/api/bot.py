"""The bot over HTTP: knowledge base (script packs and FAQs) with version history and rollback,
a test box, the learning loop's suggestions, and which inboxes the bot answers."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from kefu.bot import knowledge as kb
from kefu.bot import state as bot_state
from kefu.bot.knowledge import Knowledge
from kefu.bot.learning import Unanswered, suggest
from kefu.bot.packs import LANGUAGES
from kefu.bot.packs.schema import Pack
from kefu.core.errors import InvalidInput
from kefu.web.deps import AdminAgent, SessionDep, StateDep, SupervisorAgent, SupervisorOnly
from kefu.workspaces import service as workspaces

router = APIRouter(prefix="/api/v1/bot", tags=["bot"])

Text = Field(min_length=1, max_length=2000)


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    industry: str = Field(max_length=32)
    language: str = Field(max_length=8)


class InboxBot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bot_enabled: bool


class QuickReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=40)
    intent: str = Field(min_length=1, max_length=48)


class IntentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    examples: list[str] = Field(min_length=1, max_length=500)
    answer: str = Text
    description: str | None = Field(default=None, max_length=2000)
    quick_replies: list[QuickReplyBody] | None = Field(default=None, max_length=4)


class FaqBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Text
    answer: str = Text
    similar: list[str] = Field(default_factory=list, max_length=200)


class TestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Text
    language: str | None = Field(default=None, max_length=8)


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    return value


def _intents(pack: Pack) -> list[dict[str, Any]]:
    return [intent.model_dump(mode="json") for intent in pack.intents]


def _summary(knowledge: Knowledge | None, version: int | None) -> dict[str, Any]:
    return {
        "version": version,
        "industry": knowledge.industry if knowledge else None,
        "default_language": knowledge.default_language if knowledge else None,
        "languages": sorted(knowledge.packs) if knowledge else [],
        "intents": {lang: len(p.intents) for lang, p in knowledge.packs.items()}
        if knowledge
        else {},
        "faqs": len(knowledge.faqs) if knowledge else 0,
    }


@router.get("")
async def bot_status(agent: SupervisorOnly, state: StateDep) -> dict[str, Any]:
    """What the bot knows, which model serves, and which inboxes it answers. The model's
    status is read after the transaction ends: its first load waits for a running build."""

    def _read() -> dict[str, Any]:
        with state.factory() as session:
            found = kb.current(session, workspace_id=agent.workspace_id)
            inboxes = [
                {"id": i.id, "name": i.name, "channel": i.channel, "bot_enabled": i.bot_enabled}
                for i in workspaces.list_inboxes(session, workspace_id=agent.workspace_id)
            ]
        model = state.bot.registry.status(agent.workspace_id)
        return {
            **_summary(found[1] if found else None, found[0] if found else None),
            "model": {
                "version": model.version,
                "building": model.building,
                "last_error": model.last_error,
                "last_built_at": model.last_built_at,
            },
            "inboxes": inboxes,
        }

    return await to_thread.run_sync(_read)


@router.post("/import", status_code=201)
def import_pack(body: ImportBody, agent: AdminAgent, session: SessionDep) -> dict[str, Any]:
    """Load a shipped industry script pack (话术库) in one language into this workspace."""
    version = kb.import_pack(
        session,
        workspace_id=agent.workspace_id,
        industry=body.industry,
        language=_language(body.language),
        agent_id=agent.id,
    )
    return {"version": version}


@router.put("/inboxes/{inbox_id}")
def set_inbox_bot(
    inbox_id: str, body: InboxBot, agent: AdminAgent, session: SessionDep
) -> dict[str, Any]:
    inbox = workspaces.set_bot_enabled(
        session, workspace_id=agent.workspace_id, inbox_id=inbox_id, enabled=body.bot_enabled
    )
    return {"id": inbox.id, "bot_enabled": inbox.bot_enabled}


@router.get("/knowledge")
def get_knowledge(
    agent: SupervisorAgent, session: SessionDep, language: str | None = None
) -> dict[str, Any]:
    """One language's intents (examples, answer, quick replies, slots) and every FAQ pair."""
    version, knowledge = kb.require_current(session, workspace_id=agent.workspace_id)
    lang = _language(language) if language else knowledge.default_language
    pack = knowledge.packs.get(lang)  # type: ignore[call-overload]
    return {
        **_summary(knowledge, version),
        "language": lang,
        "intents": _intents(pack) if pack is not None else [],
        "faqs": [f.model_dump(mode="json") for f in knowledge.faqs],
    }


@router.put("/knowledge/{language}/intents/{name}")
def put_intent(
    language: str, name: str, body: IntentBody, agent: SupervisorAgent, session: SessionDep
) -> dict[str, Any]:
    """Create or edit an intent; a new knowledge version serves within seconds."""
    version = kb.put_intent(
        session,
        workspace_id=agent.workspace_id,
        language=_language(language),
        name=name,
        examples=body.examples,
        answer=body.answer,
        description=body.description,
        quick_replies=[q.model_dump() for q in body.quick_replies]
        if body.quick_replies is not None
        else None,
        agent_id=agent.id,
    )
    return {"version": version}


@router.delete("/knowledge/{language}/intents/{name}")
def delete_intent(
    language: str, name: str, agent: SupervisorAgent, session: SessionDep
) -> dict[str, Any]:
    version = kb.delete_intent(
        session,
        workspace_id=agent.workspace_id,
        language=_language(language),
        name=name,
        agent_id=agent.id,
    )
    return {"version": version}


@router.post("/faqs", status_code=201)
def create_faq(body: FaqBody, agent: SupervisorAgent, session: SessionDep) -> dict[str, Any]:
    version, faq_id = kb.put_faq(
        session,
        workspace_id=agent.workspace_id,
        faq_id=None,
        question=body.question,
        answer=body.answer,
        similar=body.similar,
        agent_id=agent.id,
    )
    return {"version": version, "id": faq_id}


@router.put("/faqs/{faq_id}")
def update_faq(
    faq_id: str, body: FaqBody, agent: SupervisorAgent, session: SessionDep
) -> dict[str, Any]:
    version, _ = kb.put_faq(
        session,
        workspace_id=agent.workspace_id,
        faq_id=faq_id,
        question=body.question,
        answer=body.answer,
        similar=body.similar,
        agent_id=agent.id,
    )
    return {"version": version, "id": faq_id}


@router.delete("/faqs/{faq_id}")
def delete_faq(faq_id: str, agent: SupervisorAgent, session: SessionDep) -> dict[str, Any]:
    version = kb.delete_faq(
        session, workspace_id=agent.workspace_id, faq_id=faq_id, agent_id=agent.id
    )
    return {"version": version}


@router.get("/versions")
def versions(agent: SupervisorAgent, session: SessionDep) -> list[dict[str, Any]]:
    """The knowledge base's history, newest first; ``current`` marks the serving version."""
    found = kb.current(session, workspace_id=agent.workspace_id)
    serving = found[0] if found else None
    return [
        {
            "version": row.version,
            "summary": row.summary,
            "created_by": row.created_by,
            "created_at": row.created_at.isoformat(),
            "current": row.version == serving,
        }
        for row in kb.history(session, workspace_id=agent.workspace_id)
    ]


@router.post("/versions/{version}/rollback", status_code=201)
def rollback(version: int, agent: SupervisorAgent, session: SessionDep) -> dict[str, Any]:
    new = kb.rollback(session, workspace_id=agent.workspace_id, version=version, agent_id=agent.id)
    return {"version": new}


@router.post("/test")
async def test_box(body: TestBody, agent: SupervisorOnly, state: StateDep) -> dict[str, Any]:
    """What would the bot answer? Runs the serving model and the dialogue on a fresh
    conversation; nothing is stored and no booking is made. No transaction stays open while
    a workspace's first model trains."""
    language = _language(body.language) if body.language else None

    def _run() -> dict[str, Any]:
        with state.factory() as session:
            _, knowledge = kb.require_current(session, workspace_id=agent.workspace_id)
        return state.bot.preview(agent.workspace_id, knowledge, body.text, language=language)

    return await to_thread.run_sync(_run)


@router.get("/suggestions")
def suggestions(agent: SupervisorAgent, session: SessionDep) -> list[dict[str, Any]]:
    """The learning loop: questions the bot could not answer or handed off, clustered into
    suggested new intents or new examples for existing ones."""
    found = kb.current(session, workspace_id=agent.workspace_id)
    existing: dict[str, list[str]] = {}
    if found is not None:
        for pack in found[1].packs.values():
            for intent in pack.intents:
                existing.setdefault(intent.name, []).extend(intent.examples)
    rows = [
        Unanswered(
            text=row.text,
            language=row.language,
            reason=row.reason,  # type: ignore[arg-type]
            conversation_id=row.conversation_id,
            at=row.created_at,
        )
        for row in bot_state.unanswered(session, workspace_id=agent.workspace_id)
    ]
    return [s.to_dict() for s in suggest(rows, existing)]


@router.get("/csat")
def csat(agent: SupervisorAgent, session: SessionDep) -> dict[str, Any]:
    """Ratings customers gave after resolution: count, average and distribution."""
    scores = [r.score for r in bot_state.ratings(session, workspace_id=agent.workspace_id)]
    return {
        "count": len(scores),
        "average": round(sum(scores) / len(scores), 2) if scores else None,
        "distribution": {str(n): scores.count(n) for n in range(1, 6)},
    }
