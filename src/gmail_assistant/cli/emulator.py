"""`gmail-assistant emulator`: run the local Gmail API emulator."""

from __future__ import annotations

from pathlib import Path

import typer

from gmail_assistant.cli.base import app


@app.command()
def emulator(
    host: str = typer.Option("127.0.0.1", help="Bind address."),
    port: int = typer.Option(8025, help="Port."),
    mailbox: list[str] = typer.Option(
        [], "--mailbox", help="Mailbox to create (repeatable; the first is the default)."
    ),
    seed_file: Path | None = typer.Option(
        None, "--seed-file", help="JSON or YAML file of mails to deliver at start."
    ),
) -> None:
    """Serve the Gmail API v1 emulator (point GMA_GMAIL_API_ENDPOINT at it)."""
    import uvicorn

    from gmail_emulator import EmulatorState, create_app
    from gmail_emulator.seed import load_seed, read_seed_file

    state = EmulatorState(seed_mailboxes=tuple(mailbox) or ("owner@example.com",))
    if seed_file is not None:
        delivered = load_seed(state, read_seed_file(seed_file))
        typer.echo(f"seeded {len(delivered)} mails from {seed_file}")
    typer.echo(f"Gmail emulator on http://{host}:{port} (mailboxes: {', '.join(state.mailboxes)})")
    try:
        uvicorn.run(create_app(state), host=host, port=port, log_level="info")
    finally:
        state.close()
