"""The agent console, the supervisor page and the widget at phone size, in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

TRANSCRIPT = "#transcript li.msg .msg-text"


def _visitor_says(live_server: Any, open_shop: Callable[..., Any], text: str) -> Any:
    from playwright.sync_api import expect

    visitor = open_shop()
    box = visitor.page.locator("kefu-chat textarea")
    box.fill(text)
    box.press("Enter")
    expect(visitor.page.locator("kefu-chat li.msg.mine").last).to_have_attribute(
        "data-state", "sent"
    )
    return visitor


def test_login_errors_and_console_labels_follow_the_chosen_language(
    live_server: Any, new_page: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    watched = new_page()
    page = watched.page
    page.goto(f"{live_server.url}/console/login")
    page.select_option("#locale", "pl")
    expect(page.locator("#login-submit")).to_have_text("Zaloguj się")
    page.fill("#email", seed.agent_email)
    page.fill("#password", "not the password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("Nieprawidłowy e-mail lub hasło.")

    page.fill("#password", seed.agent_password)
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/console")
    # The agent's own language (en) wins once signed in.
    expect(page.locator("#logout")).to_have_text("Sign out")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")

    page.select_option("#locale", "pl")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("#logout")).to_have_text("Wyloguj")
    expect(page.locator('.view-tab[data-view="mine"]')).to_have_text("Moje")
    expect(page.locator("#filter-tag + .field-hint")).to_have_text("Filtruj po tagu")
    expect(page.locator("#composer-hint")).to_have_text("Napisz odpowiedź do klienta…")
    expect(page.locator("#list-empty")).to_have_text("Brak rozmów.")

    page.select_option("#locale", "zh-TW")
    expect(page.locator("#logout")).to_have_text("登出")
    expect(page.locator('.view-tab[data-view="unassigned"]')).to_have_text("未指派")
    expect(page.locator("#presence option[value=away]")).to_have_text("離開")

    # Saved on the agent's profile and used on the next visit.
    page.wait_for_function("document.cookie.includes('kefu_locale=zh-TW')")
    for _ in range(50):
        if page.request.get(f"{live_server.url}/api/v1/me").json()["locale"] == "zh-TW":
            break
        page.wait_for_timeout(100)
    assert page.request.get(f"{live_server.url}/api/v1/me").json()["locale"] == "zh-TW"
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-TW")
    expect(page.locator("#logout")).to_have_text("登出")
    watched.assert_clean()


def test_widget_is_usable_on_a_phone(live_server: Any, new_page: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    watched = new_page(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = watched.page
    page.goto(f"{live_server.url}/demo?inbox={live_server.seed.inbox_token}")
    launcher = page.locator("kefu-chat .launcher")
    expect(launcher).to_have_attribute("aria-label", "打开聊天")
    launcher.tap()
    panel = page.locator("kefu-chat .panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 375, 667)  # full screen

    textarea = page.locator("kefu-chat textarea")
    expect(textarea).to_be_focused()
    expect(textarea).to_be_in_viewport()
    field = textarea.bounding_box()
    assert field is not None and field["y"] + field["height"] <= 667 and field["width"] > 250
    textarea.fill("这款茶可以寄到华沙吗？")
    page.locator("kefu-chat button.send").tap()
    expect(page.locator("kefu-chat li.msg.mine .text")).to_have_text(["这款茶可以寄到华沙吗？"])
    expect(page.locator("kefu-chat li.msg.mine")).to_have_attribute("data-state", "sent")

    page.locator("kefu-chat .close").tap()
    expect(panel).to_be_hidden()
    expect(launcher).to_be_visible()
    expect(launcher).to_be_focused()
    watched.assert_clean()


def test_typing_canned_response_tags_and_resolve(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    sup = live_server.server.login(seed.supervisor_email, seed.supervisor_password)
    with live_server.server.client(sup) as http:
        r = http.post(
            "/api/v1/canned-responses",
            json={"short_code": "hello", "text": "Hi, {{agent.name}} from {{workspace.name}}."},
        )
        assert r.status_code == 201, r.text
    agent = open_console(seed.agent_email, seed.agent_password)
    console = agent.page
    visitor = _visitor_says(live_server, open_shop, "Do you ship to Kraków?")
    shop = visitor.page
    console.locator(".conv-item", has_text="Do you ship to Kraków?").click()
    expect(console.locator(TRANSCRIPT)).to_have_text(["Do you ship to Kraków?"])

    # Typing, both ways; the in-field hints give way to the text.
    expect(shop.locator("kefu-chat .hint")).to_be_visible()
    shop.locator("kefu-chat textarea").press_sequentially("and to", delay=20)
    expect(shop.locator("kefu-chat .hint")).to_be_hidden()
    expect(console.locator("#typing")).to_be_visible()
    expect(console.locator("#composer-hint")).to_be_visible()
    console.locator("#composer-text").press_sequentially("Let me", delay=20)
    expect(console.locator("#composer-hint")).to_be_hidden()
    expect(shop.locator("kefu-chat .typing")).to_be_visible()

    # "/hel" opens the canned menu; Enter renders the chosen response into the composer.
    console.fill("#composer-text", "")
    console.locator("#composer-text").press_sequentially("/hel")
    expect(console.locator("#canned-menu")).to_be_visible()
    expect(console.locator("#canned-menu .canned-item")).to_have_count(1)
    console.press("#composer-text", "Enter")
    expect(console.locator("#composer-text")).to_have_value("Hi, Ala Agent from Sklep Testowy.")
    console.press("#composer-text", "Enter")
    expect(console.locator("#composer-hint")).to_be_visible()  # sent: the box is empty again
    expect(shop.locator("kefu-chat li.msg.theirs:not(.greeting) .text")).to_have_text(
        ["Hi, Ala Agent from Sklep Testowy."]
    )
    expect(shop.locator("kefu-chat .typing")).to_be_hidden()

    console.fill("#tag-input", "shipping")
    console.press("#tag-input", "Enter")
    expect(console.locator("#tags .tag-chip")).to_have_text(["shipping×"])
    expect(console.locator("#conv-state")).to_have_text("Assigned")
    console.click("#resolve")
    expect(console.locator("#conv-state")).to_have_text("Resolved")
    expect(console.locator("#reopen")).to_be_visible()
    console.click("#reopen")
    expect(console.locator("#conv-state")).to_have_text("Assigned")
    visitor.assert_clean()
    agent.assert_clean()


def test_supervisor_page_follows_conversations_and_agents_live(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    token = live_server.server.login(seed.agent_email, seed.agent_password)
    with live_server.server.client(token) as http:
        assert http.patch("/api/v1/me", json={"presence": "away"}).status_code == 200
    boss = open_console(seed.supervisor_email, seed.supervisor_password, "/console/supervisor")
    page = boss.page
    expect(page.locator("#live-empty")).to_be_visible()
    agent_row = page.locator("#agents-body tr", has_text="Ala Agent")
    expect(agent_row).to_contain_text("Away")

    visitor = _visitor_says(live_server, open_shop, "Where is my parcel?")
    row = page.locator("#live-body tr", has_text="Where is my parcel?")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Queued")
    expect(row).to_contain_text("Unassigned")
    expect(row.locator(".waiting")).not_to_have_text("—")
    expect(page.locator("#stat-queued")).to_have_text("1")

    agent = open_console(seed.agent_email, seed.agent_password)
    agent.page.select_option("#presence", "online")
    expect(agent_row).to_contain_text("Online")  # live, from the agent.presence event
    # The ACD gives the waiting conversation to the agent the moment they are online.
    expect(row).to_contain_text("Assigned")
    expect(row).to_contain_text("Ala Agent")
    expect(agent_row.locator(".open-count")).to_have_text("1")
    boss.assert_clean()
    agent.assert_clean()
    visitor.assert_clean()


def test_agent_is_sent_to_login_and_plain_agent_cannot_supervise(
    live_server: Any, new_page: Callable[..., Any], open_console: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    watched = new_page()
    watched.page.goto(f"{live_server.url}/console")
    watched.page.wait_for_url("**/console/login?next=%2Fconsole")
    seed = live_server.seed
    agent = open_console(seed.agent_email, seed.agent_password)
    expect(agent.page.locator("#nav-supervisor")).to_be_hidden()
    agent.page.goto(f"{live_server.url}/console/supervisor")
    expect(agent.page.locator("#supervisor-denied")).to_be_visible()
    expect(agent.page.locator("#live-body tr")).to_have_count(0)
