"""The ``kefu`` command: one Typer app with a sub-app per domain."""

from __future__ import annotations

import typer

from kefu.cli import compliance, core, keys, nlu, packs, routing

app = typer.Typer(help="Kefu: omnichannel AI customer service.", no_args_is_help=True)
app.command("serve")(core.serve)
app.command("demo")(core.demo)
app.add_typer(core.db_app, name="db")
app.add_typer(core.workspace_app, name="workspace")
app.add_typer(core.agent_app, name="agent")
app.add_typer(keys.app, name="keys")
app.add_typer(nlu.app, name="nlu", help="Intent and FAQ engine: evaluate and predict.")
app.add_typer(routing.app, name="routing", help="ACD: simulate routing and compute staffing.")
app.add_typer(compliance.app, name="compliance", help="Check outgoing text against the gate.")
app.add_typer(packs.app, name="packs", help="Industry script packs (话术库): list and import.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
