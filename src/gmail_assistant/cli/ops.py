"""Operator commands: `reset-db`, `cleanup-labels`, `cleanup-drafts`.

Each is a dry run unless told otherwise, and `reset-db` refuses production unless asked
twice: a flag and the database's name typed at the prompt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from gmail_assistant.cli.base import app, settings_or_exit, with_container

if TYPE_CHECKING:
    from gmail_assistant.container import Container
    from gmail_assistant.settings import Settings

__all__ = ["DraftCleanup", "LabelCleanup", "clean_drafts", "clean_labels", "database_name"]

T = TypeVar("T")
Echo = Callable[[str], None]


def database_name(settings: Settings) -> str:
    """What the operator types to confirm: the SQLite file name or the PostgreSQL database."""
    if settings.db.backend == "sqlite":
        return settings.db.sqlite_path.name
    from sqlalchemy.engine import make_url

    return make_url(settings.db.sqlalchemy_url()).database or ""


# -- reset-db --------------------------------------------------------------------------------


@app.command("reset-db")
def reset_db(
    yes: Annotated[bool, typer.Option("--yes", help="Development: do not ask.")] = False,
    sure: Annotated[
        bool, typer.Option("--yes-i-am-sure", help="Production: required, then type the name.")
    ] = False,
    everything: Annotated[
        bool, typer.Option("--everything", help="Also users, labels, settings, ticks.")
    ] = False,
) -> None:
    """Delete the mailbox data (emails, events, jobs, LLM calls, agent runs, sync state)."""
    from gmail_assistant.emails.reset import EVERYTHING, MAILBOX_DATA, clear_tables

    settings = settings_or_exit()
    name = database_name(settings)
    scope = "EVERYTHING (users included)" if everything else "the mailbox data"
    if settings.is_production:
        if not sure:
            typer.echo("error: production database; pass --yes-i-am-sure to continue", err=True)
            raise typer.Exit(2)
        typed = typer.prompt(f"This deletes {scope} of PRODUCTION. Type the database name ({name})")
        if typed.strip() != name:
            typer.echo("error: the name does not match; nothing was deleted", err=True)
            raise typer.Exit(1)
    elif not yes:
        typer.confirm(f"Delete {scope} in {name} ({settings.environment})?", abort=True)
    tables = EVERYTHING if everything else MAILBOX_DATA
    removed = with_container(lambda c: clear_tables(c.database, tables), settings)
    for table, count in removed.items():
        typer.echo(f"{table}: {count} rows deleted")


# -- cleanup-labels ----------------------------------------------------------------------------


@dataclass
class LabelCleanup:
    email: str
    # label name → ids of the messages carrying it
    messages: dict[str, list[str]] = field(default_factory=dict)
    removed: int = 0

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.messages.values())


async def clean_labels(
    container: Container, emails: list[str], *, apply: bool, echo: Echo = typer.echo
) -> list[LabelCleanup]:
    """Find (and with `apply`, remove) the nine AI labels on every message; nothing else."""
    from gmail_assistant.labels import LABEL_NAMES

    results = []
    for email in emails:
        client = container.gmail.for_user(email)
        by_name = {label.name: label.id for label in await client.list_labels()}
        found = LabelCleanup(email)
        for name in LABEL_NAMES.values():
            label_id = by_name.get(name)
            if label_id is None:
                continue
            ids = [mid for mid, _ in await client.list_message_ids("", label_ids=[label_id])]
            if ids:
                found.messages[name] = ids
        echo(f"{email}: {found.total} label(s) on messages")
        for name, ids in found.messages.items():
            echo(f"  {name}: {len(ids)} message(s)")
        if apply and found.messages:
            with typer.progressbar(list(found.messages.items()), label="removing") as bar:
                for name, ids in bar:
                    await client.batch_modify(ids, remove=[by_name[name]])
                    found.removed += len(ids)
        results.append(found)
    return results


@app.command("cleanup-labels")
def cleanup_labels(
    email: Annotated[list[str] | None, typer.Option(help="Only this user (repeatable).")] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Really remove (default: dry run).")
    ] = False,
) -> None:
    """Remove the assistant's nine labels from every message (the labels stay defined)."""
    results = with_container(lambda c: _for_users(c, email, apply, clean_labels))
    total = sum(r.total for r in results)
    if apply:
        typer.echo(f"removed {sum(r.removed for r in results)} label(s)")
    else:
        typer.echo(f"dry run: {total} label(s) would be removed; add --apply")


# -- cleanup-drafts ----------------------------------------------------------------------------


@dataclass
class DraftCleanup:
    email: str
    drafts: list[tuple[int, str, str]] = field(default_factory=list)  # (email id, draft, thread)
    deleted: int = 0
    gone: int = 0


async def clean_drafts(
    container: Container, emails: list[str], *, apply: bool, echo: Echo = typer.echo
) -> list[DraftCleanup]:
    """The assistant's drafts (`emails.draft_id`): list them, or delete them with `apply`."""
    from sqlalchemy import select

    from gmail_assistant.db.models import Email
    from gmail_assistant.events import EventType, record_event

    results = []
    for address in emails:
        user = await container.users.get_by_email(address)
        found = DraftCleanup(address)
        if user is None:
            echo(f"{address}: no such user")
            results.append(found)
            continue
        async with container.database.read() as session:
            rows = (
                await session.execute(
                    select(Email.id, Email.draft_id, Email.gmail_thread_id).where(
                        Email.user_id == user.id, Email.draft_id.is_not(None)
                    )
                )
            ).all()
        found.drafts = [(row[0], str(row[1]), row[2]) for row in rows]
        echo(f"{address}: {len(found.drafts)} draft(s) of the assistant")
        if apply and found.drafts:
            client = container.gmail.for_user(address)
            with typer.progressbar(found.drafts, label="deleting") as bar:
                for email_id, draft_id, thread_id in bar:
                    if await client.delete_draft(draft_id):
                        found.deleted += 1
                    else:
                        found.gone += 1
                    async with container.database.transaction() as session:
                        row = await session.get(Email, email_id)
                        if row is not None and row.draft_id == draft_id:
                            row.draft_id = None
                        record_event(
                            session, user_id=user.id, email_id=email_id, thread_id=thread_id,
                            event_type=EventType.DRAFT_TRASHED, draft_id=draft_id,
                            detail="cleanup-drafts",
                        )  # fmt: skip
        results.append(found)
    return results


@app.command("cleanup-drafts")
def cleanup_drafts(
    email: Annotated[list[str] | None, typer.Option(help="Only this user (repeatable).")] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Really delete (default: dry run).")
    ] = False,
) -> None:
    """Delete the drafts the assistant wrote (only those; the owner's own drafts stay)."""
    results = with_container(lambda c: _for_users(c, email, apply, clean_drafts))
    if apply:
        deleted = sum(r.deleted for r in results)
        gone = sum(r.gone for r in results)
        typer.echo(f"deleted {deleted} draft(s); {gone} were already gone")
    else:
        total = sum(len(r.drafts) for r in results)
        typer.echo(f"dry run: {total} draft(s) would be deleted; add --apply")


async def _for_users(
    container: Container,
    emails: list[str] | None,
    apply: bool,
    work: Callable[..., Awaitable[list[T]]],
) -> list[T]:
    if not emails:
        emails = [u.email for u in await container.users.list(active_only=True)]
    return await work(container, emails, apply=apply)
