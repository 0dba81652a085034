"""The bot at work in conversations: answers each customer message of a conversation that is
with the bot, and steps aside (hand-off to the ACD queue) when it should.

It follows the bus: ``message.created`` from a contact starts a turn, ``conversation.updated``
to resolved asks for a CSAT rating, ``bot.knowledge_changed`` rebuilds the workspace's model
in the background (the old model serves until the new one is swapped in).

A turn is computed outside any write transaction (the shop connector may be slow), then
written in one transaction that first claims the conversation for the bot
(:func:`kefu.conversations.service.claim_for_bot`): if an agent took it meanwhile, nothing is
written — the bot never talks over an agent. Turns of one conversation run one at a time, in
order; conversations run concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, Literal

from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kefu.bot import knowledge as knowledge_service
from kefu.bot import state as bot_state
from kefu.bot.dialogue import (
    Booking,
    BookingRequest,
    BotMessage,
    Context,
    Course,
    DialogueEngine,
    DialogueState,
    EngineSettings,
    Handoff,
    Order,
    Product,
    ShopConnector,
    Turn,
    start_csat,
)
from kefu.bot.events import KnowledgeChanged
from kefu.bot.knowledge import Knowledge
from kefu.bot.nlu import BuildSuperseded, ModelRegistry, NluModel, detect_language
from kefu.bus.events import Envelope
from kefu.compliance.gate import ComplianceGate
from kefu.contacts.models import Contact
from kefu.conversations import service as conversations
from kefu.conversations.events import ConversationUpdated, MessageCreated
from kefu.conversations.models import Conversation, ConversationTag, Message, Tag
from kefu.store.db import transaction
from kefu.workspaces.models import Inbox, Workspace

log = logging.getLogger(__name__)

ConnectorProvider = Callable[[str], ShopConnector]
# (session, workspace id) -> (open now, the opening hours as the customer should read them)
HoursProvider = Callable[[Session, str], tuple[bool, str]]

# How long a workspace's first message waits for its first model (training takes seconds).
BUILD_WAIT_SECONDS = 300.0
_DETECTED = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "en": "en", "pl": "pl"}
_OTHER_SCRIPT = {"zh-CN": "zh-TW", "zh-TW": "zh-CN"}


def always_open(_session: Session, _workspace_id: str) -> tuple[bool, str]:
    return True, ""


def pick_language(knowledge: Knowledge, text: str, previous: str | None) -> str:
    """The pack that answers this message: its detected language if the workspace has that
    pack (or the other Chinese script's), else the conversation's language, else the default."""
    detected = _DETECTED.get(detect_language(text.casefold()).code)
    if detected is not None:
        if detected in knowledge.packs:
            return detected
        other = _OTHER_SCRIPT.get(detected)
        if other in knowledge.packs:
            return str(other)
    if previous in knowledge.packs:
        return str(previous)
    return knowledge.default_language


def message_content(message: BotMessage) -> dict[str, Any] | None:
    """Quick replies and card of a bot message, as stored beside its text."""
    content: dict[str, Any] = {}
    if message.quick_replies:
        content["quick_replies"] = [
            {"title": b.title, "payload": b.payload} for b in message.quick_replies
        ]
    if message.card is not None:
        content["card"] = {k: v for k, v in vars(message.card).items() if v is not None}
    return content or None


@dataclass(slots=True)
class _Loaded:
    """What a turn reads before it computes anything."""

    workspace_id: str
    conversation_id: str
    knowledge: Knowledge
    state: DialogueState
    extra: dict[str, Any]
    context: Context
    channel: str
    text: str = ""
    payload: str | None = None
    message_id: str | None = None


class BotRunner:
    def __init__(
        self,
        factory: sessionmaker[Session],
        registry: ModelRegistry,
        *,
        gate: ComplianceGate,
        connectors: ConnectorProvider,
        hours: HoursProvider = always_open,
        settings: EngineSettings | None = None,
    ) -> None:
        self._factory = factory
        self.registry = registry
        self._gate = gate
        self._connectors = connectors
        self._hours = hours
        self._settings = settings or EngineSettings()
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._pending_builds: dict[str, tuple[str, Future[NluModel]]] = {}
        self._builds_lock = threading.RLock()  # a finished future calls back at once
        self._refreshing: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ events in

    async def on_event(self, envelope: Envelope) -> None:
        ev = envelope.event
        if isinstance(ev, MessageCreated):
            msg = ev.message
            if msg.sender_kind == "contact" and not msg.private:
                self._chain(ev.conversation_id, lambda: self._turn(msg.conversation_id, msg.id))
        elif isinstance(ev, ConversationUpdated):
            if ev.conversation.state == "resolved":
                conv_id = ev.conversation.id
                self._chain(conv_id, lambda: self._ask_csat(conv_id))
        elif isinstance(ev, KnowledgeChanged):
            # Not awaited: the first load of a workspace's model waits for its build, and the
            # bus must keep delivering other events meanwhile.
            workspace_id = ev.workspace_id
            self._background(to_thread.run_sync(lambda: self.refresh(workspace_id)))

    def _background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    def _chain(self, conversation_id: str, step: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``step`` after the conversation's previous steps (per-conversation order)."""
        previous = self._chains.get(conversation_id)

        async def run() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            try:
                await step()
            except Exception:
                log.exception("bot: turn failed in conversation %s", conversation_id)

        task = asyncio.get_running_loop().create_task(run())
        self._chains[conversation_id] = task
        task.add_done_callback(lambda t: self._forget(conversation_id, t))

    def _forget(self, conversation_id: str, task: asyncio.Task[None]) -> None:
        if self._chains.get(conversation_id) is task:
            del self._chains[conversation_id]

    def busy(self) -> bool:
        """Whether any turn is started and not finished."""
        return bool(self._chains)

    async def idle(self) -> None:
        """Wait until every started turn has finished (tests, shutdown)."""
        while self._chains:
            await asyncio.gather(*list(self._chains.values()), return_exceptions=True)

    async def stop(self) -> None:
        for task in [*self._chains.values(), *self._refreshing]:
            task.cancel()
        self._chains.clear()

    # ------------------------------------------------------------------ models

    def refresh(self, workspace_id: str) -> None:
        """Rebuild the workspace's model in the background if its knowledge changed."""
        with self._factory() as session:
            found = knowledge_service.current(session, workspace_id=workspace_id)
        if found is not None:
            self._ensure_fresh(workspace_id, found[1], wait=False)

    def model_for(self, workspace_id: str, knowledge: Knowledge) -> NluModel:
        """The model serving ``knowledge``: built now when the workspace has none yet, else the
        current one while a newer one builds."""
        model = self._ensure_fresh(workspace_id, knowledge, wait=True)
        assert model is not None  # waiting builds one when there is none
        return model

    def _ensure_fresh(
        self, workspace_id: str, knowledge: Knowledge, *, wait: bool
    ) -> NluModel | None:
        kb = knowledge.to_nlu()
        fingerprint = kb.fingerprint()
        model = self.registry.get(workspace_id)
        if model is not None and self.registry.serves(model, fingerprint):
            return model
        with self._builds_lock:
            pending = self._pending_builds.get(workspace_id)
            if pending is None or pending[0] != fingerprint:
                future = self.registry.update(workspace_id, kb)
                pending = self._pending_builds[workspace_id] = (fingerprint, future)
                future.add_done_callback(
                    lambda done: self._build_done(workspace_id, fingerprint, done)
                )
        if model is None and wait:
            # Nothing serves yet: wait for the build (started here or by the import) rather
            # than training the same knowledge twice.
            try:
                return pending[1].result(timeout=BUILD_WAIT_SECONDS)
            except BuildSuperseded:
                return self._ensure_fresh(workspace_id, knowledge, wait=wait)
        return model

    def _build_done(self, workspace_id: str, fingerprint: str, future: Future[NluModel]) -> None:
        with self._builds_lock:
            pending = self._pending_builds.get(workspace_id)
            if pending is not None and pending[1] is future:
                del self._pending_builds[workspace_id]

    # ------------------------------------------------------------------ turns

    async def _turn(self, conversation_id: str, message_id: str) -> None:
        await to_thread.run_sync(lambda: self.turn(conversation_id, message_id))

    def turn(self, conversation_id: str, message_id: str) -> Turn | None:
        """Answer one customer message; None when the conversation is not with the bot."""
        loaded = self._load(conversation_id, message_id)
        if loaded is None:
            return None
        language = pick_language(loaded.knowledge, loaded.text, loaded.state.language)
        engine = self._engine(loaded, language)
        result = engine.respond(loaded.text, loaded.state, loaded.context, payload=loaded.payload)
        self._write(loaded, result)
        return result

    def _engine(self, loaded: _Loaded, language: str) -> DialogueEngine:
        model = self.model_for(loaded.workspace_id, loaded.knowledge)
        return DialogueEngine(
            loaded.knowledge.pack(language),
            model,
            self._connectors(loaded.workspace_id),
            settings=self._settings,
        )

    def _load(self, conversation_id: str, message_id: str | None) -> _Loaded | None:
        loaded = self._read(conversation_id, message_id)
        if loaded == "no_knowledge":
            if message_id is not None:
                self._hand_off_without_knowledge(conversation_id)
            return None
        return loaded

    def _read(
        self, conversation_id: str, message_id: str | None
    ) -> _Loaded | Literal["no_knowledge"] | None:
        with self._factory() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                return None
            message = session.get(Message, message_id) if message_id else None
            if message_id is not None and (conv.state != "bot" or message is None):
                return None
            inbox = session.get(Inbox, conv.inbox_id)
            if inbox is None or not inbox.bot_enabled:
                return None
            found = knowledge_service.current(session, workspace_id=conv.workspace_id)
            stored, extra = bot_state.load(session, conversation_id=conv.id)
            if stored.handed_off and conv.state == "bot":
                # Back with the bot (reopened after a person handled it): start afresh.
                stored = DialogueState(greeted=True, language=stored.language)
            if found is None:
                return "no_knowledge"
            knowledge = found[1]
            return _Loaded(
                workspace_id=conv.workspace_id,
                conversation_id=conv.id,
                knowledge=knowledge,
                state=stored,
                extra=extra,
                context=self._context(session, conv, knowledge, inbox),
                channel=inbox.channel,
                text=message.text if message else "",
                payload=(message.content or {}).get("payload") if message else None,
                message_id=message_id,
            )

    def _context(
        self, session: Session, conv: Conversation, knowledge: Knowledge, inbox: Inbox
    ) -> Context:
        workspace = session.get(Workspace, conv.workspace_id)
        contact = session.get(Contact, conv.contact_id)
        tags = set(
            session.scalars(
                select(Tag.name)
                .join(ConversationTag, ConversationTag.tag_id == Tag.id)
                .where(ConversationTag.conversation_id == conv.id)
            )
        )
        open_now, hours = self._hours(session, conv.workspace_id)
        return Context(
            workspace_name=workspace.name if workspace else "",
            business_hours=hours,
            open_now=open_now,
            contact_name=(contact.name or "") if contact else "",
            language=knowledge.default_language,
            # A web visitor who leaves cannot be written to later without an e-mail or phone.
            reachable=inbox.channel != "web" or bool(contact and (contact.email or contact.phone)),
            vip="VIP" in {t.upper() for t in tags},
        )

    def _hand_off_without_knowledge(self, conversation_id: str) -> None:
        with transaction(self._factory) as session:
            conv = conversations.claim_for_bot(session, conversation_id=conversation_id)
            if conv is not None:
                conversations.hand_off(
                    session,
                    conv=conv,
                    reason="rule",
                    priority=0,
                    intent=None,
                    note="Handed off: the bot has no knowledge base yet (import a script pack).",
                )

    def _write(self, loaded: _Loaded, result: Turn) -> None:
        with transaction(self._factory) as session:
            states = ("resolved",) if loaded.message_id is None else ("bot",)
            conv = conversations.claim_for_bot(
                session, conversation_id=loaded.conversation_id, states=states
            )
            if conv is None:
                log.info("bot: conversation %s left the bot; turn dropped", loaded.conversation_id)
                return
            result = self._gated(result, loaded)
            for message in result.messages:
                conversations.send_bot_message(
                    session, conv=conv, text=message.text, content=message_content(message)
                )
            conversations.note_intent(session, conv=conv, intent=result.intent)
            bot_state.save(
                session,
                conversation_id=conv.id,
                workspace_id=conv.workspace_id,
                state=result.state,
                extra=loaded.extra,
            )
            if loaded.message_id is not None and (not result.understood or result.handoff):
                bot_state.record_unanswered(
                    session,
                    conv=conv,
                    message_id=loaded.message_id,
                    text=loaded.text,
                    language=result.state.language,
                    reason="handed_off" if result.handoff else "not_understood",
                )
            if result.csat is not None:
                bot_state.record_csat(
                    session, conv=conv, score=result.csat.score, extra=loaded.extra
                )
                conversations.resolve_by_bot(session, conv=conv)
            if result.handoff is not None:
                handoff = result.handoff
                conversations.hand_off(
                    session,
                    conv=conv,
                    reason=handoff.reason,
                    priority=handoff.priority,
                    intent=handoff.intent,
                    note=_handoff_note(handoff),
                )

    def _gated(self, result: Turn, loaded: _Loaded) -> Turn:
        """Every bot text passes the compliance gate; a blocked one is not sent and the
        conversation goes to a person instead."""
        kept: list[BotMessage] = []
        for message in result.messages:
            verdict = self._gate.check(message.text, channel=loaded.channel)
            if verdict.blocked:
                log.warning(
                    "bot: answer blocked by the compliance gate in workspace %s: %s",
                    loaded.workspace_id,
                    ", ".join(f.rule_id for f in verdict.findings),
                )
                blocked = "; ".join(f.matched_text for f in verdict.findings)
                handoff = result.handoff or Handoff(
                    "rule", 0, result.intent, f"the compliance gate blocked the answer: {blocked}"
                )
                return replace(
                    result,
                    messages=tuple(kept),
                    handoff=handoff,
                    state=replace(result.state, handed_off=True, handoff_reason="rule"),
                )
            kept.append(message)
        return result

    # ------------------------------------------------------------------ test box

    def preview(
        self, workspace_id: str, knowledge: Knowledge, text: str, *, language: str | None = None
    ) -> dict[str, Any]:
        """What the bot would answer to ``text`` in a fresh conversation; writes nothing."""
        model = self.model_for(workspace_id, knowledge)
        lang = language or pick_language(knowledge, text, None)
        engine = DialogueEngine(
            knowledge.pack(lang),
            model,
            _DryRun(self._connectors(workspace_id)),
            settings=self._settings,
        )
        with self._factory() as session:
            workspace = session.get(Workspace, workspace_id)
            open_now, hours = self._hours(session, workspace_id)
        context = Context(
            workspace_name=workspace.name if workspace else "",
            business_hours=hours,
            open_now=open_now,
            language=lang,
        )
        result = engine.respond(text, DialogueState(), context)
        prediction = model.predict(text)
        return {
            "language": lang,
            "intent": prediction.intent,
            "kind": prediction.kind,
            "confidence": round(prediction.confidence, 4),
            "out_of_scope": prediction.out_of_scope,
            "top": [{"name": c.name, "score": round(c.score, 4)} for c in prediction.top],
            "messages": [{"text": m.text, "content": message_content(m)} for m in result.messages],
            "handoff": {"reason": result.handoff.reason, "priority": result.handoff.priority}
            if result.handoff
            else None,
            "model_fresh": self.registry.serves(model, knowledge.to_nlu().fingerprint()),
        }

    # ------------------------------------------------------------------ CSAT

    async def _ask_csat(self, conversation_id: str) -> None:
        await to_thread.run_sync(lambda: self.ask_csat(conversation_id))

    def ask_csat(self, conversation_id: str) -> Turn | None:
        """After an agent resolved a conversation, ask the customer for a 1-5 rating."""
        with self._factory() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None or conv.state != "resolved" or conv.assignee_id is None:
                return None  # resolved by the bot itself: nobody to rate
            resolved_at = conv.resolved_at.isoformat() if conv.resolved_at else ""
            assignee = conv.assignee_id
        loaded = self._load(conversation_id, None)
        if loaded is None or loaded.extra.get("csat_for") == resolved_at:
            return None
        language = loaded.state.language or loaded.knowledge.default_language
        result = start_csat(loaded.state, language)
        loaded.extra = {**loaded.extra, "csat_for": resolved_at, "csat_agent": assignee}
        self._write(loaded, result)
        return result


class _DryRun:
    """The workspace's connector for the test box: lookups are real, bookings are not made."""

    def __init__(self, inner: ShopConnector) -> None:
        self._inner = inner

    def lookup_order(self, number: str) -> Order | None:
        return self._inner.lookup_order(number)

    def lookup_booking(self, reference: str) -> Booking | None:
        return self._inner.lookup_booking(reference)

    def create_booking(self, request: BookingRequest) -> Booking | None:
        return Booking("TEST", request.date, request.time, request.party_size)

    def lookup_course(self, name: str) -> Course | None:
        return self._inner.lookup_course(name)

    def find_product(self, text: str) -> Product | None:
        return self._inner.find_product(text)


def _handoff_note(handoff: Handoff) -> str:
    """The internal note the agent reads (the console also shows reason and intent, translated,
    from the note's structured content)."""
    text = f"Handed off by the bot: {handoff.reason}"
    if handoff.intent:
        text += f"; intent: {handoff.intent}"
    text += "."
    if handoff.summary:
        text += f"\n{handoff.summary}"
    if handoff.contact_detail:
        text += f"\nContact: {handoff.contact_detail}"
    return text
