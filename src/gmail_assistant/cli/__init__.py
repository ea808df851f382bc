"""The `gmail-assistant` command line: one Typer app, each command group in its own module."""

from __future__ import annotations

from gmail_assistant.cli.base import app

__all__ = ["app", "main"]


def _register() -> None:
    # Each module adds its commands to `app`; imported lazily so `--help` stays fast.
    from gmail_assistant.cli import (
        agent,  # noqa: F401
        auth,  # noqa: F401
        classify,  # noqa: F401
        db,  # noqa: F401
        demo,  # noqa: F401
        emulator,  # noqa: F401
        learn_style,  # noqa: F401
        ops,  # noqa: F401
        server,  # noqa: F401
        sync,  # noqa: F401
    )


def main() -> None:
    _register()
    app()
