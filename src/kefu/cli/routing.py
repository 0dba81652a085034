"""`kefu routing ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="routing commands", no_args_is_help=True)
