"""A workspace's bot knowledge: the script packs it imported (one per language, edited freely)
and its own FAQ pairs, saved as immutable versions with a pointer to the one serving.

The only writer of the bot's knowledge tables. Every change is a new version (import, edit,
rollback alike), recorded with who made it; ``KnowledgeChanged`` goes out after commit and the
bot rebuilds its model in the background while the previous one keeps serving.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.bot.events import KnowledgeChanged
from kefu.bot.models import BotProfile, KnowledgeVersion
from kefu.bot.nlu import Faq, Intent, KnowledgeBase
from kefu.bot.packs import Pack, PackIntent, load_pack
from kefu.bot.packs.schema import EDITED, Industry, Language
from kefu.bus import outbox
from kefu.core.errors import InvalidInput, NotFound
from kefu.core.ids import new_id

MAX_FAQS = 2000
MAX_VERSIONS_LISTED = 200
# The intent engine names scripts; packs name locales.
NLU_LANGUAGE = {"zh-CN": "zh-Hans", "zh-TW": "zh-Hant", "en": "en", "pl": "pl"}

FaqText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
FaqId = Annotated[str, StringConstraints(pattern=r"^faq_[a-z0-9]{4,40}$")]


class FaqEntry(BaseModel):
    """A question with its answer; ``similar`` holds other ways customers ask it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: FaqId
    question: FaqText
    answer: FaqText
    similar: tuple[FaqText, ...] = ()


class Knowledge(BaseModel):
    """Everything the bot knows in one workspace, as one version stores it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    industry: Industry | None = None
    default_language: Language
    packs: dict[Language, Pack] = Field(default_factory=dict)
    faqs: tuple[FaqEntry, ...] = Field(default=(), max_length=MAX_FAQS)

    @classmethod
    def parse(cls, data: Any) -> Knowledge:
        """Validate stored or submitted content as an edited knowledge base (no size minimums)."""
        try:
            return cls.model_validate(data, context=EDITED)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(f"invalid knowledge base: {where}: {first['msg']}") from None

    def pack(self, language: str) -> Pack:
        found = self.packs.get(language)  # type: ignore[call-overload]
        if found is None:
            raise NotFound(f"no {language} script pack in this workspace's knowledge base")
        return found

    def to_nlu(self) -> KnowledgeBase:
        """What the intent engine learns from: each intent's phrasings in every language (intent
        names are shared across a pack's languages) and every FAQ pair."""
        examples: dict[str, list[str]] = {}
        for pack in self.packs.values():
            for intent in pack.intents:
                examples.setdefault(intent.name, []).extend(intent.examples)
        if not examples and not self.faqs:
            raise InvalidInput("the knowledge base is empty: import a script pack or add a FAQ")
        return KnowledgeBase(
            intents=[Intent(name, phrasings) for name, phrasings in examples.items()],
            faqs=[Faq(f.id, f.question, f.answer, similar=list(f.similar)) for f in self.faqs],
            language=NLU_LANGUAGE[self.default_language],
        )


# ---------------------------------------------------------------- reading


def current(session: Session, *, workspace_id: str) -> tuple[int, Knowledge] | None:
    """The version serving ``workspace_id`` and its content, or None before the first import."""
    profile = session.get(BotProfile, workspace_id)
    if profile is None:
        return None
    row = _version_row(session, workspace_id, profile.current_version)
    return profile.current_version, Knowledge.parse(row.content)


def require_current(session: Session, *, workspace_id: str) -> tuple[int, Knowledge]:
    found = current(session, workspace_id=workspace_id)
    if found is None:
        raise NotFound("this workspace has no bot knowledge yet: import a script pack first")
    return found


def history(session: Session, *, workspace_id: str) -> list[KnowledgeVersion]:
    return list(
        session.scalars(
            select(KnowledgeVersion)
            .where(KnowledgeVersion.workspace_id == workspace_id)
            .order_by(KnowledgeVersion.version.desc())
            .limit(MAX_VERSIONS_LISTED)
        )
    )


def _version_row(session: Session, workspace_id: str, version: int) -> KnowledgeVersion:
    row = session.scalar(
        select(KnowledgeVersion).where(
            KnowledgeVersion.workspace_id == workspace_id, KnowledgeVersion.version == version
        )
    )
    if row is None:
        raise NotFound(f"knowledge version {version} not found")
    return row


# ---------------------------------------------------------------- writing


def save(
    session: Session,
    *,
    workspace_id: str,
    knowledge: Knowledge,
    summary: str,
    agent_id: str | None,
) -> int:
    """Store ``knowledge`` as the next version and make it serve; returns the version."""
    knowledge.to_nlu()  # an unlearnable knowledge base is refused before it is stored
    profile = session.get(BotProfile, workspace_id, with_for_update=True)
    latest = session.scalar(
        select(KnowledgeVersion.version)
        .where(KnowledgeVersion.workspace_id == workspace_id)
        .order_by(KnowledgeVersion.version.desc())
        .limit(1)
    )
    version = (latest or 0) + 1
    session.add(
        KnowledgeVersion(
            id=new_id(),
            workspace_id=workspace_id,
            version=version,
            content=knowledge.model_dump(mode="json"),
            summary=summary[:300],
            created_by=agent_id,
        )
    )
    if profile is None:
        session.add(BotProfile(workspace_id=workspace_id, current_version=version))
    else:
        profile.current_version = version
    session.flush()
    outbox.record(session, KnowledgeChanged(workspace_id=workspace_id, version=version))
    return version


def import_pack(
    session: Session, *, workspace_id: str, industry: str, language: str, agent_id: str | None
) -> int:
    """Load a shipped pack into the workspace, replacing that language's pack. Another industry
    replaces every pack; the workspace's FAQs stay."""
    pack = load_pack(industry, language)
    found = current(session, workspace_id=workspace_id)
    if found is None:
        knowledge = Knowledge(industry=pack.industry, default_language=pack.language)
    else:
        knowledge = found[1]
        if knowledge.industry != pack.industry:
            knowledge = knowledge.model_copy(update={"industry": pack.industry, "packs": {}})
    packs = {**knowledge.packs, pack.language: pack}
    updated = knowledge.model_copy(update={"packs": packs})
    if not knowledge.packs:
        updated = updated.model_copy(update={"default_language": pack.language})
    return save(
        session,
        workspace_id=workspace_id,
        knowledge=Knowledge.parse(updated.model_dump(mode="json")),
        summary=f"imported the {pack.industry} script pack ({pack.language})",
        agent_id=agent_id,
    )


def put_intent(
    session: Session,
    *,
    workspace_id: str,
    language: str,
    name: str,
    examples: list[str],
    answer: str,
    description: str | None = None,
    quick_replies: list[dict[str, str]] | None = None,
    agent_id: str | None,
) -> int:
    """Create or edit one intent of one language's pack (handoff and slots are kept)."""
    _, knowledge = require_current(session, workspace_id=workspace_id)
    pack = knowledge.pack(language)
    intents = [i.model_dump() for i in pack.intents]
    existing = next((i for i in intents if i["name"] == name), None)
    if existing is None:
        if not description:
            description = name.replace("_", " ")
        existing = {"name": name, "description": description, "handoff": None, "slots": ()}
        intents.append(existing)
        verb = "added"
    else:
        verb = "edited"
    existing.update(
        examples=tuple(e.strip() for e in examples if e.strip()),
        answer=answer,
        quick_replies=tuple(
            quick_replies if quick_replies is not None else existing.get("quick_replies", ())
        ),
    )
    if description:
        existing["description"] = description
    return _save_pack(
        session,
        knowledge,
        language,
        intents,
        f"{verb} intent {name} ({language})",
        agent_id,
        workspace_id,
    )


def delete_intent(
    session: Session, *, workspace_id: str, language: str, name: str, agent_id: str | None
) -> int:
    _, knowledge = require_current(session, workspace_id=workspace_id)
    pack = knowledge.pack(language)
    if all(i.name != name for i in pack.intents):
        raise NotFound(f"intent {name!r} not found in the {language} pack")
    intents = [_without_quick_replies_to(i, name) for i in pack.intents if i.name != name]
    return _save_pack(
        session,
        knowledge,
        language,
        intents,
        f"deleted intent {name} ({language})",
        agent_id,
        workspace_id,
    )


def _without_quick_replies_to(intent: PackIntent, removed: str) -> dict[str, Any]:
    data = intent.model_dump()
    data["quick_replies"] = tuple(q for q in data["quick_replies"] if q["intent"] != removed)
    return data


def _save_pack(
    session: Session,
    knowledge: Knowledge,
    language: str,
    intents: list[dict[str, Any]],
    summary: str,
    agent_id: str | None,
    workspace_id: str,
) -> int:
    pack = knowledge.pack(language)
    data = knowledge.model_dump(mode="json")
    data["packs"][language] = {**pack.model_dump(mode="json"), "intents": intents}
    return save(
        session,
        workspace_id=workspace_id,
        knowledge=Knowledge.parse(data),
        summary=summary,
        agent_id=agent_id,
    )


def put_faq(
    session: Session,
    *,
    workspace_id: str,
    faq_id: str | None,
    question: str,
    answer: str,
    similar: list[str],
    agent_id: str | None,
) -> tuple[int, str]:
    """Create (``faq_id`` None) or replace a FAQ pair; returns the version and the FAQ's id."""
    _, knowledge = require_current(session, workspace_id=workspace_id)
    faqs = list(knowledge.faqs)
    if faq_id is None:
        faq_id = "faq_" + new_id()[:12].lower()
        index = len(faqs)
        faqs.append(FaqEntry(id=faq_id, question=question, answer=answer))
    else:
        index = next((n for n, f in enumerate(faqs) if f.id == faq_id), -1)
        if index < 0:
            raise NotFound("FAQ not found")
    try:
        faqs[index] = FaqEntry(
            id=faq_id,
            question=question,
            answer=answer,
            similar=tuple(s for s in (x.strip() for x in similar) if s),
        )
    except ValidationError as exc:
        raise InvalidInput(f"invalid FAQ: {exc.errors()[0]['msg']}") from None
    version = save(
        session,
        workspace_id=workspace_id,
        knowledge=knowledge.model_copy(update={"faqs": tuple(faqs)}),
        summary=f"saved FAQ {question[:80]}",
        agent_id=agent_id,
    )
    return version, faq_id


def delete_faq(session: Session, *, workspace_id: str, faq_id: str, agent_id: str | None) -> int:
    _, knowledge = require_current(session, workspace_id=workspace_id)
    kept = tuple(f for f in knowledge.faqs if f.id != faq_id)
    if len(kept) == len(knowledge.faqs):
        raise NotFound("FAQ not found")
    return save(
        session,
        workspace_id=workspace_id,
        knowledge=knowledge.model_copy(update={"faqs": kept}),
        summary=f"deleted FAQ {faq_id}",
        agent_id=agent_id,
    )


def rollback(session: Session, *, workspace_id: str, version: int, agent_id: str | None) -> int:
    """Serve an earlier version's content again, as a new version (history stays linear)."""
    row = _version_row(session, workspace_id, version)
    return save(
        session,
        workspace_id=workspace_id,
        knowledge=Knowledge.parse(row.content),
        summary=f"rolled back to version {version}",
        agent_id=agent_id,
    )
