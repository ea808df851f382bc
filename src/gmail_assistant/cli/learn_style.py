"""`gmail-assistant learn-style [--user EMAIL] [--since DATE] [--apply]`."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from gmail_assistant.cli.base import app, chosen_users, with_container

if TYPE_CHECKING:
    from gmail_assistant.container import Container


def _since(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter("expected a date as YYYY-MM-DD", param_hint="--since") from None


@app.command("learn-style")
def learn_style(
    user: Annotated[
        str | None, typer.Option("--user", help="This mailbox (default: every active one).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Sent replies after this date, YYYY-MM-DD (default: a year)."),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the learned styles and contact overrides.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=500, help="At most this many sent messages.")
    ] = 200,
) -> None:
    """Learn the owner's style from their sent replies; show the diff, write it with --apply."""
    start = _since(since)

    async def work(container: Container) -> list[str]:
        users = await chosen_users(container, user)
        learner = container.style_learner
        outputs = []
        for one in users:
            result = await learner.learn_for(one, since=start, apply=apply, limit=limit)
            outputs.append(result.render())
        return outputs or ["no active, onboarded users\n"]

    typer.echo("\n".join(with_container(work)), nl=False)
