"""The bot's knowledge-base page in a real browser: edit an intent, ask the test box, roll back;
and what the agent console shows of the bot's work in a conversation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PAGE = "/console/knowledge"
# Training a model takes seconds on two cores; the test box asks again while it rebuilds.
MODEL_MS = 30_000
ORIGINAL = "Our customer service team is available"
EDITED = "Zebra-7731: we answer 9:00-17:00. <script>alert(1)</script><img src=x onerror=alert(2)>"


def _import_pack(live_server: Any, language: str = "en") -> None:
    seed = live_server.seed
    admin = live_server.server.login(seed.admin_email, seed.admin_password)
    with live_server.server.client(admin) as http:
        r = http.post("/api/v1/bot/import", json={"industry": "ecommerce", "language": language})
        assert r.status_code == 201, r.text
        assert r.json() == {"version": 1}


def test_supervisor_edits_an_answer_tests_it_and_rolls_back(
    live_server: Any, open_console: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    _import_pack(live_server)
    seed = live_server.seed
    boss = open_console(seed.supervisor_email, seed.supervisor_password, PAGE)
    page = boss.page
    expect(page.locator("#nav-knowledge")).to_be_visible()
    expect(page.locator("#nav-knowledge")).to_have_attribute("aria-current", "page")
    expect(page.locator("#kb-industry")).to_have_text("Online shop")
    expect(page.locator("#kb-version")).to_have_text("Version 1")
    expect(page.locator("#kb-empty")).to_be_hidden()
    intents = page.locator("#intent-list .kb-item")
    expect(intents.first).to_be_visible()
    assert intents.count() >= 40
    # A supervisor edits, but only an admin imports packs.
    expect(page.locator("#import-submit")).to_be_disabled()

    page.fill("#intent-filter", "staffed 24/7")  # one of the intent's example questions
    expect(intents).to_have_count(1)
    page.fill("#intent-filter", "business_hours")
    page.click('#intent-list [data-intent="business_hours"]')
    expect(page.locator("#intent-name")).to_have_value("business_hours")
    expect(page.locator("#intent-answer")).to_have_value(
        re.compile(f"^{ORIGINAL} {{{{ business_hours }}}}")
    )
    page.fill("#intent-answer", EDITED)
    page.click("#intent-save")
    edit = page.locator('#version-list li[data-version="2"]')
    expect(edit).to_contain_text("edited intent business_hours (en)")
    expect(edit).to_contain_text("in use")
    expect(page.locator("#kb-version")).to_have_text("Version 2")

    page.fill("#test-text", "when are you open?")
    page.click("#test-submit")
    said = page.locator("#test-messages .msg-text")
    expect(said).to_have_text([EDITED], timeout=MODEL_MS)
    expect(page.locator("#test-intent")).to_contain_text("business_hours")
    expect(page.locator("#test-top li")).to_have_count(3)
    assert page.locator("#test-messages script, #test-messages img").count() == 0

    page.locator('#version-list li[data-version="1"] button[data-action="rollback"]').click()
    back = page.locator('#version-list li[data-version="3"]')
    expect(back).to_contain_text("rolled back to version 1")
    expect(back).to_contain_text("in use")
    # The page asks the test box again after a rollback.
    expect(said).to_contain_text([ORIGINAL], timeout=MODEL_MS)
    expect(said).not_to_contain_text("Zebra-7731")

    # A FAQ added from the page is listed and is the next version.
    page.click("#faq-new")
    page.fill("#faq-question", "Do you sell gift cards?")
    page.fill("#faq-answer", "Yes, from 50 PLN, by e-mail within minutes.")
    page.fill("#faq-similar", "gift card?\nvoucher for a friend")
    page.click("#faq-save")
    expect(page.locator("#faq-list .kb-faq")).to_have_count(1)
    expect(page.locator("#faq-list")).to_contain_text("Do you sell gift cards?")
    expect(page.locator('#version-list li[data-version="4"]')).to_contain_text("in use")
    boss.assert_clean()


def test_an_agent_sees_that_the_page_needs_a_supervisor(
    live_server: Any, open_console: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    _import_pack(live_server)
    seed = live_server.seed
    agent = open_console(seed.agent_email, seed.agent_password, PAGE)
    page = agent.page
    expect(page.locator("#knowledge-denied")).to_be_visible()
    expect(page.locator("#knowledge")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#knowledge-content")).to_be_hidden()
    expect(page.locator("#nav-knowledge")).to_be_hidden()
    expect(page.locator("#intent-list li")).to_have_count(0)
    expect(page.locator("#version-list li")).to_have_count(0)
    agent.assert_clean()


def test_console_shows_what_the_bot_did_in_a_conversation(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    _import_pack(live_server)
    seed = live_server.seed
    admin = live_server.server.login(seed.admin_email, seed.admin_password)
    with live_server.server.client(admin) as http:
        r = http.put(f"/api/v1/bot/inboxes/{seed.inbox_id}", json={"bot_enabled": True})
        assert r.status_code == 200, r.text

    visitor = open_shop()
    shop = visitor.page
    box = shop.locator("kefu-chat textarea")
    box.fill("where is my order KF-10234")
    box.press("Enter")
    expect(shop.locator("kefu-chat li.msg.theirs", has_text="DPD").first).to_be_visible(
        timeout=MODEL_MS
    )
    box.fill("I want to talk to a real person")
    box.press("Enter")
    live_server.server.settle()

    agent = open_console(seed.agent_email, seed.agent_password)
    console = agent.page
    item = console.locator(".conv-item", has=console.locator(".handoff-badge"))
    expect(item.locator(".handoff-badge")).to_have_text("asked for a person")
    item.click()
    expect(console.locator("#conv-handoff")).to_have_text(
        "Handed off by the bot: asked for a person · intent: talk_to_human"
    )
    bot = console.locator("#transcript li.msg-bot")
    expect(bot.first.locator(".bot-label")).to_have_text("Bot")
    card = console.locator("#transcript li.msg-bot .msg-card")
    expect(card).to_contain_text("Order KF-10234")
    expect(card).to_contain_text("DPD")
    expect(console.locator("#transcript li.msg-bot .chip").first).to_be_visible()
    note = console.locator("#transcript li.msg-system-note")
    expect(note).to_have_attribute("data-kind", "note")
    expect(note.locator(".msg-handoff")).to_contain_text(
        "Handed off by the bot: asked for a person"
    )
    agent.assert_clean()
    visitor.assert_clean()
