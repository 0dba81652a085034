"""Real-browser fixtures: Debian's chromium driven by Playwright (never a downloaded browser).

Without chromium the browser tests are skipped with the reason, except under CI=true, where a
missing chromium fails them: CI must never go green without having driven a browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


def _chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "chromium is not installed (scripts/ensure-chromium installs Debian's package)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true: the browser tests may not be skipped")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium per test module (started and stopped with its Playwright driver)."""
    path = _chromium_path()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watched:
    """A page plus everything that must not happen on it: dialogs and uncaught errors."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.dialogs == [], f"a dialog fired: {self.dialogs}"
        assert self.errors == [], f"uncaught page errors: {self.errors}"


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Watched]]:
    """Opens a page in its own browser context (own cookies and storage: another person)."""
    contexts: list[Any] = []

    def _open(**context_options: Any) -> Watched:
        context_options.setdefault("viewport", {"width": 1280, "height": 800})
        context_options.setdefault("locale", "en-US")
        context = browser.new_context(**context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watched = Watched(page)

        def _dialog(dialog: Any) -> None:
            watched.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", _dialog)
        page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
        return watched

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def open_console(live_server: Any, new_page: Callable[..., Watched]) -> Callable[..., Watched]:
    """Signs an agent in through the login page and waits until the console is live."""

    def _open(email: str, password: str, path: str = "/console", **options: Any) -> Watched:
        from playwright.sync_api import expect

        watched = new_page(**options)
        page = watched.page
        page.goto(f"{live_server.url}/console/login?next={path}")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("#login-submit")
        page.wait_for_url(f"{live_server.url}{path}")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        return watched

    return _open


@pytest.fixture
def open_shop(live_server: Any, new_page: Callable[..., Watched]) -> Callable[..., Watched]:
    """A visitor on the demo shop page, with the chat panel open and connected."""

    def _open(**options: Any) -> Watched:
        from playwright.sync_api import expect

        watched = new_page(**options)
        page = watched.page
        page.goto(f"{live_server.url}/demo?inbox={live_server.seed.inbox_token}")
        page.locator("kefu-chat .launcher").click()
        expect(page.locator("kefu-chat .panel")).to_be_visible()
        expect(page.locator("kefu-chat .root")).to_have_attribute("data-connection", "online")
        return watched

    return _open


class ForeignSite:
    """A merchant's own web site on another origin (its own port on loopback) that embeds the
    widget. A real server, not a routed fake: Chromium only lets a page reach a loopback
    address (the test's Kefu) when the page itself was served from loopback."""

    def __init__(self) -> None:
        import http.server
        import threading

        pages: dict[str, bytes] = {}
        self.pages = pages

        class _Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://localhost:{self._server.server_address[1]}"

    def add(self, path: str, html: str) -> str:
        self.pages[path] = html.encode()
        return f"{self.url}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def foreign_site() -> Iterator[ForeignSite]:
    site = ForeignSite()
    yield site
    site.close()
