"""`gmail-assistant onboard EMAIL` and `gmail-assistant full-sync [--email]`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from gmail_assistant.cli.base import app, chosen_users, with_container

if TYPE_CHECKING:
    from gmail_assistant.container import Container


@app.command()
def onboard(email: Annotated[str, typer.Argument(help="The mailbox to onboard.")]) -> None:
    """Create the labels, import contacts/styles, seed the history id (idempotent)."""

    async def work(container: Container) -> dict[str, object]:
        result = await container.sync.onboarding.run(email)
        return result.as_dict()

    result = with_container(work)
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False))


@app.command("full-sync")
def full_sync(
    email: Annotated[
        str | None, typer.Option(help="Only this mailbox (default: every active user).")
    ] = None,
) -> None:
    """Scan the inbox now and queue a classify job for every thread not seen yet."""

    async def work(container: Container) -> list[str]:
        lines = []
        sync = container.sync.sync
        for user in await chosen_users(container, email):
            result = await sync.run(user.id, full=True)
            if result is not None:
                lines.append(
                    f"{user.email}: {len(result.jobs)} classify jobs queued, "
                    f"{result.skipped_threads} threads already known, "
                    f"history id {result.history_id}"
                )
        return lines or ["no active, onboarded users"]

    for line in with_container(work):
        typer.echo(line)
