"""The demo workspace: a tea shop selling in Poland and China, with agents and conversations."""

from __future__ import annotations

import secrets
from typing import Any

from kefu.agents import service as agents
from kefu.bot import knowledge
from kefu.bot.dialogue import InMemoryShop, Order, Product
from kefu.compliance.setup import bind_encryption
from kefu.contacts.service import Profile
from kefu.conversations import canned
from kefu.conversations import service as conversations
from kefu.core.settings import Settings
from kefu.store.db import make_engine, make_session_factory, transaction
from kefu.workspaces import service as workspaces

CUSTOMERS = [
    ("visitor:demo-1", "王芳", ["你好，我上周买的龙井什么时候发货？", "订单号是 KF-10231"]),
    ("visitor:demo-2", "Marta", ["Dzień dobry! Czy macie zieloną herbatę w puszce 250 g?"]),
    ("visitor:demo-3", "James", ["Hi, can I still change the delivery address of my order?"]),
    ("visitor:demo-4", "陳先生", ["請問烏龍茶可以送到台北嗎？"]),
]


BOT_LANGUAGES = ("en", "pl", "zh-CN", "zh-TW")


def demo_shop() -> InMemoryShop:
    """The demo shop's orders and products, which the bot looks up (try order KF-10234)."""
    orders = [
        Order("KF-10231", "paid, packing", "SF Express", None, "in 2 days", "¥268"),
        Order("KF-10234", "shipped", "DPD", "0034 5678 9012", "Friday", "149 PLN"),
        Order("KF-10240", "delivered", "InPost", "6200 1234 5678", None, "89 PLN"),
    ]
    products = {
        "longjing": Product("West Lake Longjing 龙井 100 g", "¥128 / 59 PLN"),
        "龙井": Product("西湖龙井 100 g", "¥128"),
        "oolong": Product("Tieguanyin oolong 250 g", "¥96 / 45 PLN"),
        "烏龍": Product("鐵觀音烏龍茶 250 g", "NT$420"),
        "zielon": Product("Zielona herbata Sencha, puszka 250 g", "39 PLN"),
    }
    return InMemoryShop(orders={o.number: o for o in orders}, products=products)


def _password() -> str:
    return secrets.token_urlsafe(12)


def seed_demo(settings: Settings) -> dict[str, Any]:
    """Create the demo data once; returns the inbox token and the generated logins."""
    bind_encryption(settings)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    limits = conversations.Limits(max_message_bytes=settings.max_message_bytes)
    logins: list[dict[str, str]] = []
    try:
        with transaction(factory) as session:
            ws = workspaces.create_workspace(
                session, name="Lotos Tea House · 莲茶", slug="demo", default_locale="en"
            )
            web = workspaces.create_inbox(
                session,
                workspace_id=ws.id,
                name="Website chat",
                channel="web",
                greeting="Hi! 你好! Dzień dobry! How can we help?",
                prechat_fields=[{"name": "name", "required": False}],
            )
            api = workspaces.create_inbox(
                session, workspace_id=ws.id, name="Shop backend (API)", channel="api"
            )
            people = [
                ("admin", "admin@demo.kefu.test", "Anna Kowalska", "pl"),
                ("supervisor", "supervisor@demo.kefu.test", "陳美玲", "zh-TW"),
                ("agent", "li.wei@demo.kefu.test", "李伟", "zh-CN"),
                ("agent", "tom@demo.kefu.test", "Tom Baker", "en"),
            ]
            created = {}
            for role, email, name, locale in people:
                password = _password()
                created[email] = agents.create_agent(
                    session,
                    workspace_id=ws.id,
                    email=email,
                    name=name,
                    password=password,
                    role=role,
                    locale=locale,
                    inbox_ids=[web.id, api.id],
                )
                logins.append({"role": role, "email": email, "password": password})
            for code, text in [
                (
                    "hello",
                    "Hello {{contact.name}}, this is {{agent.name}} from {{workspace.name}}.",
                ),
                ("dzien-dobry", "Dzień dobry {{contact.name}}! Tu {{agent.name}}, w czym pomóc?"),
                ("nihao", "{{contact.name}} 您好，我是{{agent.name}}，很高兴为您服务。"),
                ("thanks", "Thank you for your message — we will get back to you shortly."),
            ]:
                canned.create(session, workspace_id=ws.id, short_code=code, text=text)
            web_id, web_token, api_token = web.id, web.token, api.token
            ws_id = ws.id
            tom_id = created["tom@demo.kefu.test"].id
        for n, (external_id, name, texts) in enumerate(CUSTOMERS):
            for i, text in enumerate(texts):
                conversations.ingest(
                    factory,
                    inbox_id=web_id,
                    inbound=conversations.Inbound(
                        external_sender_id=external_id,
                        text=text,
                        channel_message_id=f"{external_id}:seed-{i}",
                        profile=Profile(name=name),
                    ),
                    limits=limits,
                )
            if n == 2:
                with transaction(factory) as session:
                    tom = agents.get_agent(session, workspace_id=ws.id, agent_id=tom_id)
                    conv = conversations.list_for_agent(session, agent=tom, view="unassigned")[0]
                    conversations.send_agent_message(
                        session,
                        agent=tom,
                        conversation_id=conv.id,
                        text="Yes — send me the order number and the new address, please.",
                        private=False,
                        limits=limits,
                    )
        # The bot answers new website conversations from the e-commerce script pack in four
        # languages; the seeded ones above stay with the agents.
        with transaction(factory) as session:
            for language in BOT_LANGUAGES:
                knowledge.import_pack(
                    session,
                    workspace_id=ws_id,
                    industry="ecommerce",
                    language=language,
                    agent_id=None,
                )
            workspaces.set_bot_enabled(session, workspace_id=ws_id, inbox_id=web_id, enabled=True)
    finally:
        engine.dispose()
    return {"web_inbox_token": web_token, "api_inbox_token": api_token, "logins": logins}
