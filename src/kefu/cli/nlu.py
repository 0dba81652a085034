"""`kefu nlu ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="nlu commands", no_args_is_help=True)
