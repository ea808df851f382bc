"""The one Typer app every command module adds its commands to."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Gmail Assistant: triage, drafts and label flows.")
