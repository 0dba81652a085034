"""`kefu packs ...` commands: list the industry script packs shipped with Kefu."""

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
    table.add_column("industry")
    table.add_column("language")
    table.add_column("intents", justify="right")
    for info in packs:
        table.add_row(info.industry, info.language, str(info.intents))
    Console().print(table)
