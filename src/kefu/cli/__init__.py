"""Command-line interface (Typer): the top layer that wires everything."""
