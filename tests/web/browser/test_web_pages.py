"""The page routes, static files, language catalogs and the no-HTML-sink rule (no browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kefu.web import pages
from kefu.web.pages import LOCALES, build_pages_router, negotiate_locale

WEB = Path(pages.__file__).resolve().parent
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"
TOKEN = "hCfc-LiF2tiH1OraDhG-kKwh"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(build_pages_router())
    return TestClient(app)


def _catalog(locale: str) -> dict[str, str]:
    data = json.loads((STATIC / "i18n" / f"{locale}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# ------------------------------------------------------------------ language negotiation


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("pl", "zh-CN", "pl"),
        ("xx", "pl-PL,pl;q=0.9,en;q=0.8", "pl"),
        (None, "zh-TW,zh;q=0.9", "zh-TW"),
        (None, "zh-Hant-HK", "zh-TW"),
        (None, "zh-Hans-CN,zh;q=0.9", "zh-CN"),
        (None, "zh", "zh-CN"),
        (None, "de-DE,en;q=0.5,pl;q=0.7", "pl"),
        (None, "fr-FR,de;q=0.8", "en"),
        (None, "pl;q=0,en", "en"),
        (None, "pl;q=bogus,zh-TW", "zh-TW"),
        (None, None, "en"),
    ],
)
def test_negotiate_locale(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate_locale(cookie, header) == expected


# ------------------------------------------------------------------ routes


def test_widget_script_is_cacheable_javascript(client: TestClient) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "public, max-age=300"
    assert "attachShadow" in r.text
    assert client.head("/widget.js").status_code == 200


@pytest.mark.parametrize(
    ("headers", "cookies", "lang", "title"),
    [
        ({"Accept-Language": "pl-PL,pl;q=0.9"}, {}, "pl", "Zaloguj się do Kefu"),
        ({"Accept-Language": "en"}, {"kefu_locale": "zh-TW"}, "zh-TW", "登入 Kefu"),
        ({"Accept-Language": "zh-CN"}, {}, "zh-CN", "登录 Kefu"),
        ({}, {}, "en", "Sign in to Kefu"),
    ],
)
def test_login_page_is_rendered_in_the_viewers_language(
    client: TestClient, headers: dict[str, str], cookies: dict[str, str], lang: str, title: str
) -> None:
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    r = client.get("/console/login", headers=headers)
    client.cookies.clear()
    assert r.status_code == 200
    assert f'<html lang="{lang}">' in r.text
    assert f'<h1 data-i18n="login.title">{title}</h1>' in r.text
    assert r.headers["content-language"] == lang
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "module"),
    [
        ("/console/login", "/static/js/login.js"),
        ("/console", "/static/js/console.js"),
        ("/console/supervisor", "/static/js/supervisor.js"),
    ],
)
def test_console_pages_load_only_their_own_script_files(
    client: TestClient, path: str, module: str
) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert f'<script type="module" src="{module}?v=' in r.text
    # The pages run under script-src 'self': no inline script and no inline handler anywhere.
    assert not re.search(r"<script(?![^>]*\bsrc=)", r.text)
    assert not re.search(r"\son[a-z]+=", r.text)


def test_console_trailing_slash_redirects(client: TestClient) -> None:
    r = client.get("/console/", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/console"


def test_the_bare_address_leads_to_the_console(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/console"
    assert client.get("/").status_code == 200  # the console page itself


def test_demo_page_embeds_the_widget_with_one_tag(client: TestClient) -> None:
    r = client.get(f"/demo?inbox={TOKEN}")
    assert r.status_code == 200
    assert f'<script src="/widget.js" data-inbox="{TOKEN}" async></script>' in r.text


@pytest.mark.parametrize(
    ("query", "explains"),
    [
        ("", "No inbox token was given"),
        ("?inbox=", "No inbox token was given"),
        ('?inbox="><script>alert(1)</script>', "That inbox token is not valid"),
        ("?inbox=short", "That inbox token is not valid"),
    ],
)
def test_demo_page_without_a_usable_token_is_a_clear_400(
    client: TestClient, query: str, explains: str
) -> None:
    r = client.get(f"/demo{query}", headers={"Accept-Language": "en"})
    assert r.status_code == 400
    assert explains in r.text
    assert "<script>alert(1)</script>" not in r.text
    assert "widget.js" not in r.text


def test_static_files_are_served_with_their_types(client: TestClient) -> None:
    r = client.get("/static/i18n/pl.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["login.submit"] == "Zaloguj się"
    css = client.get("/static/css/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"] == "public, max-age=300"


@pytest.mark.parametrize(
    "path",
    [
        "/static/%2e%2e/pages.py",
        "/static/..%2fpages.py",
        "/static/js/missing.js",
        "/static/",
        "/static/i18n",
        "/static/%2Fetc%2Fpasswd",
    ],
)
def test_static_route_serves_nothing_outside_its_folder(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


# ------------------------------------------------------------------ catalogs


def test_the_four_catalogs_have_the_same_keys_and_no_empty_values() -> None:
    catalogs = {locale: _catalog(locale) for locale in LOCALES}
    english = set(catalogs["en"])
    assert len(english) > 100
    for locale, catalog in catalogs.items():
        assert set(catalog) == english, f"{locale} differs: {set(catalog) ^ english}"
        empty = [key for key, value in catalog.items() if not str(value).strip()]
        assert empty == [], f"{locale} has empty strings: {empty}"
    # Translated, not copied: almost every string differs from English in the other languages
    # (a language's own name, and words like "Agent" or "Bot" in Polish, may stay the same).
    texts = [k for k in english if not k.startswith("language.")]
    for locale in ("pl", "zh-CN", "zh-TW"):
        same = [k for k in texts if catalogs[locale][k] == catalogs["en"][k]]
        assert len(same) < len(texts) // 10, f"{locale} copies English: {same}"
    differs = [k for k in english if catalogs["zh-CN"][k] != catalogs["zh-TW"][k]]
    assert len(differs) > len(english) // 2


def _keys_used() -> set[str]:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        used |= set(re.findall(r"data-i18n(?:-[a-z-]+)?=\"([\w.-]+)\"", text))
        used |= set(re.findall(r"t\('([\w.-]+)'\)", text))
    for script in (STATIC / "js").glob("*.js"):
        used |= set(re.findall(r"\bt\(\"([\w.-]+)\"", script.read_text(encoding="utf-8")))
    # Keys built from a value at run time: every value they can take.
    for prefix, values in {
        "state": ("bot", "queued", "assigned", "resolved"),
        "presence": ("online", "away", "offline"),
        "role": ("admin", "supervisor", "agent"),
        "sender": ("contact", "bot", "agent", "system"),
        "connection": ("connecting", "online", "offline"),
        "language": LOCALES,
    }.items():
        used |= {f"{prefix}.{value}" for value in values}
    return used


def test_every_key_the_pages_use_is_in_the_catalogs() -> None:
    used = _keys_used()
    assert len(used) > 80
    missing = sorted(used - set(_catalog("en")))
    assert missing == []


# ------------------------------------------------------------------ safety of the scripts

HTML_SINKS = re.compile(
    r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|"
    r"createContextualFragment|DOMParser"
)


@pytest.mark.parametrize(
    "script", sorted([STATIC / "widget.js", *(STATIC / "js").glob("*.js")]), ids=lambda p: p.name
)
def test_scripts_never_parse_text_as_html(script: Path) -> None:
    found = HTML_SINKS.findall(script.read_text(encoding="utf-8"))
    assert found == [], f"{script.name} uses an HTML sink: {found}"


def test_widget_strings_are_complete_in_all_four_languages() -> None:
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    table = source[source.index("const STRINGS = {") : source.index("function pickLocale")]
    blocks = dict(re.findall(r'^    ("?[\w-]+"?): \{\n(.*?)^    \},', table, re.M | re.S))
    locales = {name.strip('"'): body for name, body in blocks.items()}
    assert set(locales) == set(LOCALES)
    keys = {
        locale: dict(re.findall(r'^      (\w+): "(.*)",$', body, re.M))
        for locale, body in locales.items()
    }
    english = set(keys["en"])
    assert len(english) > 30
    for locale, strings in keys.items():
        assert set(strings) == english, f"{locale}: {set(strings) ^ english}"
        assert all(value.strip() for value in strings.values()), locale
