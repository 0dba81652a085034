"""Browser-facing routes: the widget script, the console and supervisor pages, the demo shop page.

Pages are server-rendered shells (Jinja2) in the viewer's language plus small vanilla JS modules
that talk to the HTTP API and the websockets described in docs/protocol.md. Nothing here touches
the database: every piece of data reaches the browser through the authenticated API.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from fastapi.templating import Jinja2Templates

LOCALES = ("zh-CN", "zh-TW", "en", "pl")
DEFAULT_LOCALE = "en"
LOCALE_COOKIE = "kefu_locale"
WIDGET_CACHE = "public, max-age=300"
STATIC_CACHE = "public, max-age=300"

_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# Inbox tokens are URL-safe base64 (secrets.token_urlsafe); anything else cannot be one.
_INBOX_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_TRADITIONAL_REGIONS = ("tw", "hk", "mo", "hant")


def negotiate_locale(cookie: str | None, accept_language: str | None) -> str:
    """The viewer's UI language: the saved choice, else the best match of Accept-Language."""
    if cookie in LOCALES:
        return str(cookie)
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.strip().lower()))
    for _q, _i, tag in sorted(ranked):
        found = _locale_for_tag(tag)
        if found:
            return found
    return DEFAULT_LOCALE


def _locale_for_tag(tag: str) -> str | None:
    primary, _, rest = tag.partition("-")
    if primary == "zh":
        subtags = rest.split("-") if rest else []
        return "zh-TW" if any(s in _TRADITIONAL_REGIONS for s in subtags) else "zh-CN"
    if primary in ("pl", "en"):
        return primary
    return None


@dataclass(frozen=True, slots=True)
class _Assets:
    static_dir: Path
    version: str
    catalogs: dict[str, dict[str, str]]

    def file(self, relative: str) -> Path | None:
        """A file under the static folder, or None for anything outside it or not served."""
        if not relative or "\\" in relative or relative.startswith("/"):
            return None
        candidate = (self.static_dir / relative).resolve()
        root = self.static_dir.resolve()
        if root not in candidate.parents or not candidate.is_file():
            return None
        if candidate.suffix not in _STATIC_TYPES:
            return None
        return candidate


def _load_assets(static_dir: Path) -> _Assets:
    digest = hashlib.sha256()
    for path in sorted(static_dir.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(static_dir).as_posix().encode())
            digest.update(path.read_bytes())
    catalogs: dict[str, dict[str, str]] = {}
    for locale in LOCALES:
        raw = json.loads((static_dir / "i18n" / f"{locale}.json").read_text(encoding="utf-8"))
        catalogs[locale] = {str(k): str(v) for k, v in raw.items()}
    return _Assets(static_dir=static_dir, version=digest.hexdigest()[:12], catalogs=catalogs)


def build_pages_router(
    templates_dir: Path | None = None, static_dir: Path | None = None
) -> APIRouter:
    """The router of every browser-facing page and asset; defaults to the folders beside this file.

    Templates are loaded and asset digests computed here, when the app is built, never at import.
    """
    here = Path(__file__).resolve().parent
    templates = Jinja2Templates(directory=str(templates_dir or here / "templates"))
    assets = _load_assets(static_dir or here / "static")
    router = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, status_code: int = 200, **extra: Any) -> Response:
        locale = negotiate_locale(
            request.cookies.get(LOCALE_COOKIE), request.headers.get("accept-language")
        )
        catalog = assets.catalogs[locale]

        def t(key: str) -> str:
            return catalog.get(key) or assets.catalogs[DEFAULT_LOCALE].get(key, key)

        context = {
            "locale": locale,
            "locales": LOCALES,
            "t": t,
            "asset_version": assets.version,
            **extra,
        }
        response = templates.TemplateResponse(request, name, context, status_code=status_code)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Language"] = locale
        return response

    @router.api_route("/widget.js", methods=["GET", "HEAD"])
    def widget_script() -> Response:
        path = assets.file("widget.js")
        assert path is not None, "widget.js ships with the package"
        return FileResponse(
            path,
            media_type=_STATIC_TYPES[".js"],
            headers={"Cache-Control": WIDGET_CACHE, "Access-Control-Allow-Origin": "*"},
        )

    @router.api_route("/static/{relative:path}", methods=["GET", "HEAD"])
    def static_file(relative: str) -> Response:
        path = assets.file(relative)
        if path is None:
            return JSONResponse(
                {"error": {"code": "not_found", "message": "no such file"}}, status_code=404
            )
        return FileResponse(
            path, media_type=_STATIC_TYPES[path.suffix], headers={"Cache-Control": STATIC_CACHE}
        )

    @router.get("/console/login", response_class=HTMLResponse)
    def console_login(request: Request) -> Response:
        return render(request, "login.html", page="login")

    @router.get("/console", response_class=HTMLResponse)
    def console_app(request: Request) -> Response:
        return render(request, "console.html", page="console")

    @router.get("/", response_class=HTMLResponse)
    def root() -> Response:
        # what `make demo` says it serves: someone opening the bare address lands on the console
        return RedirectResponse("/console", status_code=307)

    @router.get("/console/", response_class=HTMLResponse)
    def console_slash() -> Response:
        return RedirectResponse("/console", status_code=308)

    @router.get("/console/supervisor", response_class=HTMLResponse)
    def supervisor_page(request: Request) -> Response:
        return render(request, "supervisor.html", page="supervisor")

    @router.get("/console/knowledge", response_class=HTMLResponse)
    def knowledge_page(request: Request) -> Response:
        return render(request, "knowledge.html", page="knowledge")

    @router.get("/demo", response_class=HTMLResponse)
    def demo_shop(request: Request, inbox: str | None = None) -> Response:
        token = (inbox or "").strip()
        if not _INBOX_TOKEN.fullmatch(token):
            return render(
                request,
                "demo_missing.html",
                status_code=400,
                page="demo",
                given=bool(token),
            )
        return render(request, "demo.html", page="demo", inbox_token=token)

    return router
