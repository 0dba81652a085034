"""`kefu packs ...` commands: list the industry script packs shipped with Kefu, import one."""

from __future__ import annotations

import typer

app = typer.Typer(help="Industry script packs (话术库).", no_args_is_help=True)


@app.callback()
def _packs() -> None:
    """Industry script packs (话术库)."""


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table."),
) -> None:
    """List every shipped pack: industry, language and number of intents."""
    import json

    from rich.console import Console
    from rich.table import Table

    from kefu.bot.packs.loader import list_packs
    from kefu.cli.common import fail
    from kefu.core.errors import KefuError

    try:
        packs = list_packs()
    except KefuError as exc:
        fail(exc.message)
    if as_json:
        rows = [
            {"industry": info.industry, "language": info.language, "intents": info.intents}
            for info in packs
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title="Script packs")
    table.add_column("industry", no_wrap=True)
    table.add_column("language", no_wrap=True)
    table.add_column("intents", justify="right")
    for info in packs:
        table.add_row(info.industry, info.language, str(info.intents))
    Console().print(table)


@app.command("import")
def import_command(
    industry: str = typer.Argument(..., help="ecommerce, education, catering or tourism"),
    lang: str = typer.Option(..., "--lang", help="zh-CN, zh-TW, en or pl"),
    workspace: str = typer.Option(..., "--workspace", help="Workspace slug or id"),
    enable_bot: bool = typer.Option(
        False, "--enable-bot", help="Also let the bot answer every inbox of the workspace."
    ),
) -> None:
    """Load a shipped pack into a workspace's knowledge base (a new version), to edit freely."""
    from kefu.bot import knowledge
    from kefu.cli.common import fail, load_settings
    from kefu.compliance.setup import bind_encryption
    from kefu.core.errors import KefuError
    from kefu.store.db import make_engine, make_session_factory, transaction
    from kefu.workspaces.service import get_workspace, list_inboxes, set_bot_enabled

    settings = load_settings()
    bind_encryption(settings)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            ws = get_workspace(session, ref=workspace)
            version = knowledge.import_pack(
                session, workspace_id=ws.id, industry=industry, language=lang, agent_id=None
            )
            if enable_bot:
                for inbox in list_inboxes(session, workspace_id=ws.id):
                    set_bot_enabled(session, workspace_id=ws.id, inbox_id=inbox.id, enabled=True)
    except KefuError as exc:
        fail(exc.message)
    finally:
        engine.dispose()
    typer.echo(f"imported {industry} ({lang}) into {workspace}: knowledge version {version}")


# Each language's examples are compared with the ones of the language it could have been
# translated from; Chinese through OpenCC so a mere script conversion would show up.
_TWINS = {
    "en": ("pl", None),
    "pl": ("en", None),
    "zh-TW": ("zh-CN", "t2s"),
    "zh-CN": ("zh-TW", "s2tw"),
}


_HEADERS = {
    "min_examples": "min/intent",
    "slot_intents": "slots",
    "handoff_intents": "handoffs",
    "verbatim_in_twin": "in twin",
    "separability": "baseline acc",
}


@app.command("stats")
def stats_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table."),
    with_separability: bool = typer.Option(
        False, "--separability", help="Also cross-validate a lexical baseline on each pack."
    ),
) -> None:
    """Sizes of every shipped pack, overlap with its twin language, optional separability."""
    import json

    import opencc
    from rich.console import Console
    from rich.table import Table

    from kefu.bot.packs.loader import list_packs, load_pack
    from kefu.bot.packs.stats import pack_stats, separability, verbatim_share
    from kefu.cli.common import fail
    from kefu.core.errors import KefuError

    rows = []
    try:
        infos = list_packs()
        shipped = {(info.industry, info.language) for info in infos}
        for info in infos:
            pack = load_pack(info.industry, info.language)
            row: dict[str, object] = dict(vars(pack_stats(pack)))
            twin, conversion = _TWINS[info.language]
            if (info.industry, twin) in shipped:
                convert = opencc.OpenCC(conversion).convert if conversion else None
                share = verbatim_share(pack, load_pack(info.industry, twin), convert)
                row["verbatim_in_twin"] = round(share, 3)
            if with_separability:
                row["separability"] = round(separability(pack), 3)
            rows.append(row)
    except KefuError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title="Script pack statistics")
    columns = list(rows[0]) if rows else []
    for column in columns:
        if column in {"industry", "language"}:
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(_HEADERS.get(column, column), justify="right")
    for row in rows:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    Console().print(table)
