"""Core commands: serve, demo, database migrations, workspaces and agents."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import typer

from kefu.cli.common import err, fail, load_settings
from kefu.core.errors import KefuError

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces (tenants).", no_args_is_help=True)
agent_app = typer.Typer(help="Agents.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to KEFU_DATABASE_URL."""
    from kefu.store.migrate import upgrade

    settings = load_settings()
    _ensure_sqlite_dir(settings.database_url)
    upgrade(settings.database_url)
    err.print("database is at the latest schema")


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@workspace_app.command("create")
def workspace_create(
    name: str = typer.Option(..., help="Display name"),
    slug: str = typer.Option(..., help="Short unique id: lower-case letters, digits, '-'"),
    locale: str = typer.Option("en", help="Default locale: zh-CN, zh-TW, en or pl"),
) -> None:
    """Create a workspace; prints its id."""
    from kefu.store.db import make_engine, make_session_factory, transaction
    from kefu.workspaces.service import create_workspace

    settings = load_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    try:
        with transaction(factory) as session:
            ws = create_workspace(session, name=name, slug=slug, default_locale=locale)
            typer.echo(ws.id)
    except KefuError as exc:
        fail(exc.message)


@agent_app.command("create")
def agent_create(
    workspace: str = typer.Option(..., help="Workspace id or slug"),
    email: str = typer.Option(...),
    name: str = typer.Option(...),
    role: str = typer.Option("agent", help="admin, supervisor or agent"),
    locale: str = typer.Option("en", help="zh-CN, zh-TW, en or pl"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="KEFU_AGENT_PASSWORD"
    ),
) -> None:
    """Create an agent (the password is asked for, or read from KEFU_AGENT_PASSWORD)."""
    from kefu.agents.service import create_agent
    from kefu.store.db import make_engine, make_session_factory, transaction
    from kefu.workspaces.service import get_workspace

    settings = load_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    try:
        with transaction(factory) as session:
            ws = get_workspace(session, ref=workspace)
            agent = create_agent(
                session,
                workspace_id=ws.id,
                email=email,
                name=name,
                password=password,
                role=role,
                locale=locale,
            )
            typer.echo(agent.id)
    except KefuError as exc:
        fail(exc.message)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
) -> None:
    """Run the Kefu server (the database must be migrated: kefu db upgrade)."""
    import uvicorn

    from kefu.store.db import make_engine
    from kefu.store.migrate import is_current
    from kefu.web.app import create_app

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        current = is_current(engine)
    finally:
        engine.dispose()
    if not current:
        fail("the database schema is not up to date: run 'kefu db upgrade' first")
    try:
        app = create_app(settings)
    except KefuError as exc:
        fail(exc.message)
    uvicorn.run(app, host=host, port=port, log_level="info", ws="websockets-sansio")


def demo(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    data_dir: Path = typer.Option(Path("var"), help="Where the demo keeps its database and keys"),
) -> None:
    """Migrate, seed a demo workspace (once), print the URLs and logins, and serve."""
    import uvicorn

    from kefu.cli.demo_data import demo_shop, seed_demo
    from kefu.store.migrate import upgrade
    from kefu.web.app import create_app

    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KEFU_SECRET_KEY", _demo_secret(data_dir))
    os.environ.setdefault("KEFU_DATABASE_URL", f"sqlite:///{data_dir / 'kefu.db'}")
    os.environ.setdefault("KEFU_PUBLIC_URL", f"http://{host}:{port}")
    settings = load_settings(data_dir=data_dir)
    upgrade(settings.database_url)
    logins_file = data_dir / "demo-logins.json"
    if logins_file.exists():
        info = json.loads(logins_file.read_text())
    else:
        info = seed_demo(settings)
        logins_file.write_text(json.dumps(info, indent=2))
        logins_file.chmod(0o600)
    base = settings.public_url
    err.print()
    err.print("[bold green]Kefu demo is running[/bold green]")
    err.print(f"  Agent console : {base}/console")
    err.print(f"  Supervisor    : {base}/console/supervisor")
    err.print(f"  Demo shop page with the chat widget: {base}/demo?inbox={info['web_inbox_token']}")
    err.print(f"  Knowledge base: {base}/console/knowledge")
    err.print(f"  API docs      : {base}/docs")
    err.print("  The bot answers the demo shop's chat (try: where is my order? → KF-10234)")
    err.print("  Demo logins (stored in var/demo-logins.json):")
    for login in info["logins"]:
        err.print(f"    {login['role']:<10} {login['email']:<28} {login['password']}")
    err.print()
    shop = demo_shop()
    try:
        app = create_app(settings, shops=lambda _workspace_id: shop)
    except KefuError as exc:
        fail(exc.message)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        ws="websockets-sansio",
    )


def _demo_secret(data_dir: Path) -> str:
    """The demo's own random secret key, made on first run and kept 0600 in the data dir."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
