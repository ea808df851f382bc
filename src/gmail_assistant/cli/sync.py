"""`gmail-assistant onboard EMAIL` and `gmail-assistant full-sync [--email]`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from gmail_assistant.cli.base import app

if TYPE_CHECKING:
    from gmail_assistant.container import Container

T = TypeVar("T")


def _with_container(work: Callable[[Container], Awaitable[T]]) -> T:
    """Build the container, migrate, run ``work``; no workers or scheduler are started."""
    from gmail_assistant.container import build_container
    from gmail_assistant.settings import SettingsError, load_settings
    from gmail_assistant.takeover import prepare_database

    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    async def main() -> T:
        container = build_container(settings)
        try:
            await prepare_database(container.database, backup_dir=container.settings.backup.dir)
            return await work(container)
        finally:
            container.gmail.close()
            await container.database.dispose()

    return asyncio.run(main())


@app.command()
def onboard(email: Annotated[str, typer.Argument(help="The mailbox to onboard.")]) -> None:
    """Create the labels, import contacts/styles, seed the history id (idempotent)."""
    from gmail_assistant.gmail.errors import GmailError
    from gmail_assistant.onboarding.config_files import ConfigFileError

    async def work(container: Container) -> dict[str, object]:
        result = await container.sync.onboarding.run(email)
        return result.as_dict()

    try:
        result = _with_container(work)
    except ConfigFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except GmailError as exc:
        typer.echo(f"error: Gmail: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False))


@app.command("full-sync")
def full_sync(
    email: Annotated[
        str | None, typer.Option(help="Only this mailbox (default: every active user).")
    ] = None,
) -> None:
    """Scan the inbox now and queue a classify job for every thread not seen yet."""
    from gmail_assistant.gmail.errors import GmailError

    async def work(container: Container) -> list[str]:
        if email:
            user = await container.users.get_by_email(email)
            if user is None:
                raise LookupError(f"no user {email}: run `gmail-assistant onboard {email}` first")
            users = [user]
        else:
            users = await container.users.list(active_only=True)
        lines = []
        sync = container.sync.sync
        for user in users:
            result = await sync.run(user.id, full=True)
            if result is not None:
                lines.append(
                    f"{user.email}: {len(result.jobs)} classify jobs queued, "
                    f"{result.skipped_threads} threads already known, "
                    f"history id {result.history_id}"
                )
        return lines or ["no active users"]

    try:
        lines = _with_container(work)
    except LookupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except GmailError as exc:
        typer.echo(f"error: Gmail: {exc}", err=True)
        raise typer.Exit(1) from None
    for line in lines:
        typer.echo(line)
