"""`kefu compliance ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="compliance commands", no_args_is_help=True)
