"""The one Typer app every command module adds its commands to, and how a command runs its
work on the container."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from gmail_assistant.container import Container
    from gmail_assistant.settings import Settings
    from gmail_assistant.users import UserRecord

__all__ = ["app", "chosen_users", "settings_or_exit", "with_container"]

T = TypeVar("T")

app = typer.Typer(no_args_is_help=True, help="Gmail Assistant: triage, drafts and label flows.")


def settings_or_exit() -> Settings:
    """The settings; a bad one is an `error:` line and exit 2."""
    from gmail_assistant.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def with_container(
    work: Callable[[Container], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Build the container, migrate, run `work` (no workers, no scheduler). What the operator
    must fix — settings, an unknown user, a config file, Gmail — is one `error:` line, exit 1
    (settings: 2), never a traceback."""
    from gmail_assistant.container import build_container
    from gmail_assistant.gmail.errors import GmailError
    from gmail_assistant.onboarding.config_files import ConfigFileError
    from gmail_assistant.takeover import prepare_database

    settings = settings or settings_or_exit()

    async def main() -> T:
        container = build_container(settings)
        try:
            await prepare_database(container.database, backup_dir=container.settings.backup.dir)
            return await work(container)
        finally:
            container.gmail.close()
            await container.database.dispose()

    try:
        return asyncio.run(main())
    except (LookupError, ConfigFileError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except GmailError as exc:
        typer.echo(f"error: Gmail: {exc}", err=True)
        raise typer.Exit(1) from None


async def chosen_users(container: Container, email: str | None) -> list[UserRecord]:
    """The user named by `--user`/`--email` (LookupError when unknown), else every active,
    onboarded one."""
    if email:
        user = await container.users.get_by_email(email)
        if user is None:
            raise LookupError(f"no user {email}: run `gmail-assistant onboard {email}` first")
        return [user]
    return await container.users.list(active_only=True, onboarded_only=True)
