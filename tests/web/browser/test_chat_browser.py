"""The chat loop in a real browser: a visitor in the widget, an agent in the console."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WIDGET_MINE = "kefu-chat li.msg.mine .text"
WIDGET_THEIRS = "kefu-chat li.msg.theirs:not(.greeting) .text"
TRANSCRIPT = "#transcript li.msg .msg-text"


def _send_from_widget(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    box = page.locator("kefu-chat textarea")
    box.fill(text)
    box.press("Enter")
    sent = page.locator("kefu-chat li.msg.mine", has_text=text).last
    expect(sent).to_have_attribute("data-state", "sent")


def _open_conversation(console: Any, contact_text: str) -> None:
    """Clicks the conversation whose last message shows ``contact_text`` in the live list."""
    from playwright.sync_api import expect

    item = console.locator(".conv-item", has_text=contact_text)
    expect(item).to_have_count(1)
    item.click()
    expect(console.locator("#conversation-view")).to_be_visible()


def _reply(console: Any, text: str, *, note: bool = False) -> None:
    from playwright.sync_api import expect

    console.check("#mode-note" if note else 'input[name="mode"][value="reply"]')
    console.fill("#composer-text", text)
    console.press("#composer-text", "Enter")
    expect(console.locator(TRANSCRIPT, has_text=text)).to_have_count(1)


def test_visitor_and_agent_chat_live_and_history_survives_reload(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    agent = open_console(seed.agent_email, seed.agent_password)
    console = agent.page
    console.evaluate("window.__notReloaded = true")
    visitor = open_shop(locale="pl-PL")
    shop = visitor.page

    _send_from_widget(shop, "你好")
    _open_conversation(console, "你好")  # appeared in the list without a reload
    expect(console.locator(TRANSCRIPT)).to_have_text(["你好"])

    _send_from_widget(shop, "dzień dobry")
    expect(console.locator(TRANSCRIPT)).to_have_text(["你好", "dzień dobry"])  # live
    assert console.evaluate("window.__notReloaded") is True

    _reply(console, "Dzień dobry! 您好，有什么可以帮您？")
    expect(shop.locator(WIDGET_THEIRS)).to_have_text(["Dzień dobry! 您好，有什么可以帮您？"])
    expect(shop.locator("kefu-chat li.msg.theirs:not(.greeting) .who")).to_have_text(["Ala Agent"])

    shop.reload()
    # The panel reopens by itself after a reload and the stored visitor token brings the
    # whole conversation back, each message exactly once.
    expect(shop.locator("kefu-chat .root")).to_have_attribute("data-connection", "online")
    expect(shop.locator(WIDGET_MINE)).to_have_text(["你好", "dzień dobry"])
    expect(shop.locator(WIDGET_THEIRS)).to_have_text(["Dzień dobry! 您好，有什么可以帮您？"])
    expect(shop.locator("kefu-chat li.msg")).to_have_count(4)  # greeting + 3
    visitor.assert_clean()
    agent.assert_clean()


def test_markup_in_messages_is_shown_as_text_everywhere(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    agent = open_console(seed.agent_email, seed.agent_password)
    console = agent.page
    visitor = open_shop()
    shop = visitor.page
    payloads = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]

    for text in payloads:
        _send_from_widget(shop, text)
    expect(shop.locator(WIDGET_MINE)).to_have_text(payloads)

    _open_conversation(console, payloads[1])
    expect(console.locator(TRANSCRIPT)).to_have_text(payloads)
    expect(console.locator(".conv-item .conv-preview")).to_have_text([payloads[1]])
    _reply(console, "<b>bold?</b> <a href=javascript:alert(2)>x</a>")
    expect(shop.locator(WIDGET_THEIRS)).to_have_text(
        ["<b>bold?</b> <a href=javascript:alert(2)>x</a>"]
    )

    for page in (shop, console):
        assert page.locator("kefu-chat img, #transcript img, #transcript b").count() == 0
        assert page.locator("kefu-chat a[href^='javascript'], #transcript a").count() == 0
    # An injected <img src=x> would have failed to load and fired onerror by now.
    shop.wait_for_load_state("networkidle")
    console.wait_for_load_state("networkidle")
    visitor.assert_clean()
    agent.assert_clean()


def test_internal_note_never_reaches_the_widget(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    agent = open_console(seed.agent_email, seed.agent_password)
    console = agent.page
    visitor = open_shop()
    shop = visitor.page

    _send_from_widget(shop, "Is the oolong in stock?")
    _open_conversation(console, "Is the oolong in stock?")
    _reply(console, "SECRET: customer owes us 20 zł", note=True)
    note = console.locator("#transcript li.msg", has_text="SECRET")
    expect(note).to_have_attribute("data-kind", "note")
    expect(note.locator(".note-label")).to_be_visible()
    _reply(console, "Yes, 12 tins left.")

    # The public reply was sent after the note: once it is shown, a leaked note would be too.
    expect(shop.locator(WIDGET_THEIRS)).to_have_text(["Yes, 12 tins left."])
    expect(shop.locator("kefu-chat", has_text="SECRET")).to_have_count(0)
    shop.reload()
    expect(shop.locator("kefu-chat .root")).to_have_attribute("data-connection", "online")
    expect(shop.locator(WIDGET_THEIRS)).to_have_text(["Yes, 12 tins left."])
    expect(shop.locator("kefu-chat", has_text="SECRET")).to_have_count(0)
    visitor.assert_clean()
    agent.assert_clean()


def test_widget_reconnects_and_shows_exactly_the_missed_messages(
    live_server: Any, new_page: Callable[..., Any]
) -> None:
    """The link drops; the agent writes meanwhile; the widget resumes from its last seq."""
    import json

    from playwright.sync_api import expect

    seed = live_server.seed
    visitor = new_page()
    shop = visitor.page
    links: list[dict[str, Any]] = []

    def _relay(route: Any) -> None:
        server = route.connect_to_server()
        hellos: list[dict[str, Any]] = []
        links.append({"page": route, "server": server, "hellos": hellos})

        def _to_server(message: str | bytes) -> None:
            if isinstance(message, str) and '"hello"' in message:
                hellos.append(json.loads(message))
            server.send(message)

        route.on_message(_to_server)

    shop.route_web_socket("**/ws/widget*", _relay)
    shop.goto(f"{live_server.url}/demo?inbox={seed.inbox_token}")
    shop.locator("kefu-chat .launcher").click()
    expect(shop.locator("kefu-chat .root")).to_have_attribute("data-connection", "online")
    _send_from_widget(shop, "first")
    token = live_server.server.login(seed.agent_email, seed.agent_password)
    with live_server.server.client(token) as http:
        conv_id = http.get("/api/v1/conversations").json()[0]["id"]
        http.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "reply 1"})
        expect(shop.locator(WIDGET_THEIRS)).to_have_text(["reply 1"])

        links[0]["server"].close()
        links[0]["page"].close()
        expect(shop.locator("kefu-chat .root")).not_to_have_attribute("data-connection", "online")
        for n in range(2, 7):
            r = http.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": f"reply {n}"})
            assert r.status_code == 201, r.text

    expect(shop.locator("kefu-chat .root")).to_have_attribute(
        "data-connection", "online", timeout=15_000
    )
    expect(shop.locator(WIDGET_THEIRS)).to_have_text([f"reply {n}" for n in range(1, 7)])
    expect(shop.locator(WIDGET_MINE)).to_have_text(["first"])
    assert len(links) == 2
    # The first hello asked for everything, the reconnect only for what came after seq 2.
    assert links[0]["hellos"][0]["last_seq"] is None
    assert links[1]["hellos"][0]["last_seq"] == 2
    # A fresh page has no visitor token; the reconnect presents the one the server issued.
    assert links[0]["hellos"][0]["visitor_token"] is None
    assert links[1]["hellos"][0]["visitor_token"]
    visitor.assert_clean()


def _third_party_shop(widget_src: str, inbox: str, **user: str) -> str:
    attrs = "".join(f' data-user-{k}="{v}"' for k, v in user.items())
    return (
        "<!doctype html><html><head><style>*{font-family:serif!important;color:red!important}"
        "button{display:none!important}</style></head><body><h1>Another shop</h1>"
        f'<script src="{widget_src}" data-inbox="{inbox}" data-locale="zh-TW"{attrs} async>'
        "</script></body></html>"
    )


def test_widget_on_another_site_with_verified_customer(
    live_server: Any,
    new_page: Callable[..., Any],
    open_console: Callable[..., Any],
    foreign_site: Any,
) -> None:
    """Embedded on a foreign origin whose CSS hides every button: the widget is unaffected,
    speaks the data-locale language, and a signed customer identity reaches the console."""
    from playwright.sync_api import expect

    seed = live_server.seed
    widget_src = f"{live_server.url}/widget.js"
    good = hmac.new(seed.inbox_secret.encode(), b"cust-42", hashlib.sha256).hexdigest()
    signed = foreign_site.add(
        "/signed",
        _third_party_shop(widget_src, seed.inbox_token, id="cust-42", name="Wang Wei", hash=good),
    )
    forged = foreign_site.add(
        "/forged", _third_party_shop(widget_src, seed.inbox_token, id="cust-42", hash="00" * 32)
    )
    visitor = new_page()
    shop = visitor.page
    shop.goto(signed)
    launcher = shop.locator("kefu-chat .launcher")
    expect(launcher).to_be_visible()  # the page's button{display:none} does not reach it
    expect(launcher).to_have_attribute("aria-label", "開啟聊天")
    assert launcher.evaluate("b => getComputedStyle(b).color") == "rgb(255, 255, 255)"
    launcher.click()
    expect(shop.locator("kefu-chat .root")).to_have_attribute("data-connection", "online")
    _send_from_widget(shop, "請問有貨嗎？")

    agent = open_console(seed.agent_email, seed.agent_password)
    _open_conversation(agent.page, "請問有貨嗎？")
    expect(agent.page.locator("#conv-title")).to_have_text("Wang Wei")

    impostor = new_page()
    impostor.page.goto(forged)
    impostor.page.locator("kefu-chat .launcher").click()
    expect(impostor.page.locator("kefu-chat .root")).to_have_attribute("data-connection", "refused")
    expect(impostor.page.locator("kefu-chat .error")).to_have_text("聊天服務暫不可用。")
    visitor.assert_clean()
    impostor.assert_clean()
    agent.assert_clean()


def test_widget_works_under_a_strict_content_security_policy(
    live_server: Any, new_page: Callable[..., Any], foreign_site: Any
) -> None:
    """A shop that allows only Kefu's script and socket, and no inline styles at all."""
    from playwright.sync_api import expect

    policy = (
        f"default-src 'none'; script-src {live_server.url}; connect-src {live_server.ws_url}; "
        "style-src 'none'; img-src 'none'"
    )
    url = foreign_site.add(
        "/strict",
        f'<!doctype html><html><head><meta http-equiv="Content-Security-Policy" '
        f'content="{policy}"></head><body><p>strict shop</p><script '
        f'src="{live_server.url}/widget.js" data-inbox="{live_server.seed.inbox_token}" async>'
        "</script></body></html>",
    )
    visitor = new_page()
    page = visitor.page
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(url)
    launcher = page.locator("kefu-chat .launcher")
    expect(launcher).to_be_visible()
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(15, 118, 110)"
    launcher.click()
    expect(page.locator("kefu-chat .root")).to_have_attribute("data-connection", "online")
    _send_from_widget(page, "CSP is fine")
    assert violations == []
    visitor.assert_clean()


def test_prechat_form_unread_badge_and_too_long_message(
    live_server: Any, new_page: Callable[..., Any], open_console: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    admin = live_server.server.login(seed.admin_email, seed.admin_password)
    with live_server.server.client(admin) as http:
        r = http.post(
            "/api/v1/inboxes",
            json={
                "name": "Sklep · czat",
                "channel": "web",
                "prechat_fields": [
                    {"name": "name", "required": True},
                    {"name": "email", "required": False},
                ],
            },
        )
        assert r.status_code == 201, r.text
        inbox_token = r.json()["token"]
    visitor = new_page(locale="pl-PL")
    shop = visitor.page
    shop.goto(f"{live_server.url}/demo?inbox={inbox_token}")
    shop.locator("kefu-chat .launcher").click()
    form = shop.locator("kefu-chat form.prechat")
    expect(form).to_be_visible()
    expect(shop.locator("kefu-chat .title")).to_have_text("Sklep · czat")
    expect(shop.locator("kefu-chat textarea")).to_be_disabled()  # the name is required

    form.locator("button[type=submit]").click()
    expect(shop.locator("kefu-chat .error")).to_have_text("Uzupełnij: Imię.")
    form.locator("input[name=name]").fill("Zofia Nowak")
    form.locator("input[name=email]").fill("not-an-email")
    form.locator("button[type=submit]").click()
    expect(shop.locator("kefu-chat .error")).to_have_text("Podaj poprawny adres e-mail.")
    form.locator("input[name=email]").fill("zofia@example.pl")
    form.locator("button[type=submit]").click()
    expect(form).to_be_hidden()
    textarea = shop.locator("kefu-chat textarea")
    expect(textarea).to_be_enabled()
    expect(textarea).to_be_focused()
    _send_from_widget(shop, "Czy herbata jaśminowa jest bio?")

    # A message over the server's limit is refused with a clear line, and nothing is stored.
    textarea.fill("herbata " * 2200)
    textarea.press("Enter")
    expect(shop.locator("kefu-chat li.msg.mine").last).to_have_attribute("data-state", "failed")
    expect(shop.locator("kefu-chat .error")).to_have_text(
        "Wiadomość jest za długa. Skróć ją, proszę."
    )

    agent = open_console(seed.admin_email, seed.admin_password)  # admins see every inbox
    console = agent.page
    _open_conversation(console, "Czy herbata jaśminowa jest bio?")
    expect(console.locator("#conv-title")).to_have_text("Zofia Nowak")
    expect(console.locator("#contact-email")).to_have_text("zofia@example.pl")
    expect(console.locator(TRANSCRIPT)).to_have_text(["Czy herbata jaśminowa jest bio?"])

    # Escape closes the panel and gives focus back to the launcher; replies raise the badge.
    textarea.press("Escape")
    launcher = shop.locator("kefu-chat .launcher")
    expect(launcher).to_be_focused()
    _reply(console, "Tak, ma certyfikat EU.")
    badge = shop.locator("kefu-chat .badge")
    expect(badge).to_have_text("1")
    expect(launcher).to_have_attribute("aria-label", "Otwórz czat (Nieprzeczytane: 1)")
    launcher.press("Enter")
    expect(badge).to_be_hidden()
    expect(shop.locator(WIDGET_THEIRS)).to_have_text(["Tak, ma certyfikat EU."])

    shop.reload()  # known contact now: no form again, history back, nothing unread
    expect(shop.locator("kefu-chat .root")).to_have_attribute("data-connection", "online")
    expect(form).to_be_hidden()
    expect(shop.locator(WIDGET_MINE)).to_have_text(["Czy herbata jaśminowa jest bio?"])
    expect(badge).to_be_hidden()
    visitor.assert_clean()
    agent.assert_clean()


def test_compliance_warning_is_explained_and_confirmed_block_is_refused(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    agent = open_console(seed.agent_email, seed.agent_password)
    console = agent.page
    visitor = open_shop()
    shop = visitor.page
    _send_from_widget(shop, "这款乌龙茶怎么样？")
    _open_conversation(console, "这款乌龙茶怎么样？")

    console.fill("#composer-text", "这是我们最好的乌龙茶。")
    console.press("#composer-text", "Enter")
    error = console.locator("#composer-error")
    expect(error.locator(".compliance-findings li")).to_have_count(1)
    expect(error.locator(".compliance-findings li")).to_contain_text("最好的")
    expect(shop.locator(WIDGET_THEIRS)).to_have_count(0)  # nothing left before confirming
    console.click("#compliance-confirm")
    expect(console.locator(TRANSCRIPT, has_text="最好的乌龙茶")).to_have_count(1)
    expect(shop.locator(WIDGET_THEIRS)).to_have_text(["这是我们最好的乌龙茶。"])

    console.fill("#composer-text", "Our tea is a guaranteed cure for cancer.")
    console.press("#composer-text", "Enter")
    expect(error.locator(".compliance-findings li").first).to_be_visible()
    expect(console.locator("#compliance-confirm")).to_have_count(0)
    expect(console.locator(TRANSCRIPT, has_text="guaranteed cure")).to_have_count(0)
    agent.assert_clean()


def test_widget_shows_the_queue_position_until_an_agent_answers(
    live_server: Any, open_console: Callable[..., Any], open_shop: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    seed = live_server.seed
    visitor = open_shop()
    shop = visitor.page
    _send_from_widget(shop, "Is anyone there?")
    queue_line = shop.locator("kefu-chat .queue")
    expect(queue_line).to_have_text("You are number 1 in the queue.")
    agent = open_console(seed.agent_email, seed.agent_password)
    console = agent.page
    _open_conversation(console, "Is anyone there?")
    _reply(console, "Hello, I am here.")
    expect(shop.locator(WIDGET_THEIRS)).to_have_text(["Hello, I am here."])
    expect(queue_line).to_be_hidden()
    visitor.assert_clean()
