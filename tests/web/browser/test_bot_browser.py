"""The e-commerce bot in a real browser: a visitor asks about an order, the bot asks for the
number and answers with an order card; the visitor presses "Talk to a person", the ACD gives the
queued conversation to the agent who comes online, the agent answers and resolves, and the
visitor rates the conversation."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

BOT_MESSAGES = "kefu-chat li.msg.theirs:not(.greeting)"


def test_order_question_answered_by_the_bot_then_finished_by_an_agent(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    server = live_server.server
    with server.client(server.login(seed.admin_email, seed.admin_password)) as admin:
        r = admin.post("/api/v1/bot/import", json={"industry": "ecommerce", "language": "en"})
        assert r.status_code == 201, r.text
        r = admin.put(f"/api/v1/bot/inboxes/{seed.inbox_id}", json={"bot_enabled": True})
        assert r.status_code == 200, r.text
        # The pack's model builds in the background after the import (seconds).
        for _ in range(600):
            if admin.get("/api/v1/bot").json()["model"]["version"] is not None:
                break
            time.sleep(0.1)
    with server.client(server.login(seed.agent_email, seed.agent_password)) as agent_http:
        assert agent_http.patch("/api/v1/me", json={"presence": "away"}).status_code == 200

    visitor = open_shop(locale="en-GB")
    shop = visitor.page
    box = shop.locator("kefu-chat textarea")
    box.fill("where is my order?")
    box.press("Enter")
    bot = shop.locator(BOT_MESSAGES)
    expect(bot.last.locator(".who")).to_have_text("Assistant")
    expect(bot.last.locator(".text")).to_contain_text("order number")

    box.fill("KF-10234")
    box.press("Enter")
    answer = bot.last
    expect(answer.locator(".text")).to_contain_text("Order KF-10234 is currently: shipped")
    card = answer.locator("dl.card")
    expect(card).to_contain_text("KF-10234")
    expect(card).to_contain_text("DPD")
    buttons = answer.locator(".quick button")
    expect(buttons).to_have_text(["Change address", "Cancel order", "Talk to a person"])

    buttons.filter(has_text="Talk to a person").click()
    expect(shop.locator("kefu-chat li.msg.mine .text").last).to_have_text("Talk to a person")
    expect(shop.locator("kefu-chat .queue")).to_contain_text("number 1 in the queue")

    agent = open_console(seed.agent_email, seed.agent_password)
    console = agent.page
    console.select_option("#presence", "online")
    item = console.locator(".conv-item")
    expect(item).to_have_count(1)
    item.click()
    expect(console.locator("#conv-state")).to_have_text("Assigned")
    transcript = console.locator("#transcript")
    expect(transcript).to_contain_text("where is my order?")
    expect(transcript).to_contain_text("Order KF-10234 is currently: shipped")

    console.fill("#composer-text", "Hi, Ala here: I can help with that.")
    console.press("#composer-text", "Enter")
    expect(bot.last.locator(".text")).to_have_text("Hi, Ala here: I can help with that.")
    expect(shop.locator("kefu-chat .queue")).to_be_hidden()
    console.click("#resolve")
    expect(console.locator("#conv-state")).to_have_text("Resolved")

    rating = bot.last.locator(".quick button")
    expect(rating).to_have_count(5)
    rating.first.click()
    expect(bot.last.locator(".text")).not_to_have_text("Hi, Ala here: I can help with that.")
    with server.client(server.login(seed.admin_email, seed.admin_password)) as admin:
        for _ in range(100):
            summary = admin.get("/api/v1/bot/csat").json()
            if summary["count"]:
                break
            shop.wait_for_timeout(100)
        assert summary["count"] == 1 and summary["average"] == 5
    visitor.assert_clean()
    agent.assert_clean()
