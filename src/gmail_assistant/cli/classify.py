"""`debug-classify` (one mail, step by step) and `test-classification` (a labelled set)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
import yaml

from gmail_assistant.cli.base import app

SAMPLE = Path(__file__).resolve().parent.parent / "demo" / "mailbox.yaml"


def _classifier(model: str | None):  # type: ignore[no-untyped-def]
    from gmail_assistant.classify.classifier import Classifier
    from gmail_assistant.llm import InMemoryRecorder, LlmGateway
    from gmail_assistant.settings import load_settings

    settings = load_settings()
    gateway = LlmGateway(settings=settings.llm, recorder=InMemoryRecorder())
    return Classifier(llm=gateway, model=model or settings.llm.classify_model)


@app.command("debug-classify")
def debug_classify(
    eml: Path = typer.Argument(..., exists=True, dir_okay=False, help="An RFC 822 (.eml) file."),
    llm: bool = typer.Option(False, "--llm", help="Also ask the model (the configured one)."),
    model: str = typer.Option(None, help="Model for --llm, e.g. offline/classify."),
    owner: str = typer.Option("owner@example.com", help="The mailbox owner's address."),
) -> None:
    """Show how one mail goes through the automation rules and, with --llm, the model."""
    from gmail_assistant.classify.rules import detect_automation
    from gmail_assistant.cli.sample_mail import parse_raw

    message = parse_raw(eml.read_bytes())
    typer.echo(f"from:     {message.sender_name} <{message.sender_email}>")
    typer.echo(f"subject:  {message.subject}")
    typer.echo(
        f"body:     {len(message.body_text)} chars"
        + (" (truncated)" if message.body_truncated else "")
    )
    for warning in message.parse_warnings:
        typer.echo(f"parse:    {warning}")
    verdict = detect_automation(sender_email=message.sender_email, headers=message.headers)
    typer.echo(
        f"rules:    {'automated' if verdict.automated else 'not automated'} — {verdict.describe()}"
    )
    if not llm:
        typer.echo("model:    not asked (add --llm)")
        return
    result = asyncio.run(
        _classifier(model).classify(
            message, owner_email=owner, owner_wrote_last=False, automation=verdict
        )
    )
    typer.echo(f"model:    {result.category} (confidence {result.confidence:.2f})")
    typer.echo(f"reason:   {result.reasoning}")
    for note in result.notes:
        typer.echo(f"note:     {note}")
    typer.echo(f"language: {result.language}; style: {result.style or '-'}")
    typer.echo(f"queries:  {list(result.context_queries)}")


@app.command("test-classification")
def test_classification(
    dataset: Path = typer.Argument(
        SAMPLE, exists=True, dir_okay=False, help="Labelled YAML (the demo mailbox schema)."
    ),
    rules_only: bool = typer.Option(
        False, "--rules-only", help="Only the automation rules (offline, no model)."
    ),
    model: str = typer.Option(None, help="Model to score, e.g. offline/classify."),
    from_corrections: bool = typer.Option(
        False,
        "--from-corrections",
        help="Score the recorded predictions against the owner's corrections (the database).",
    ),
    user_id: int = typer.Option(None, "--user-id", help="With --from-corrections: one user."),
    days: int = typer.Option(
        None, "--days", min=1, help="With --from-corrections: only the last N days."
    ),
) -> None:
    """Accuracy, per-category precision and recall, and the confusion matrix of a labelled set."""
    if from_corrections:
        _from_corrections(user_id, days)
        return
    from gmail_assistant.classify.evaluate import score
    from gmail_assistant.cli.sample_mail import parse_fields

    data = yaml.safe_load(dataset.read_text(encoding="utf-8"))
    mails = data["mails"] if isinstance(data, dict) else data
    owner = (
        data.get("owner", "owner@example.com") if isinstance(data, dict) else "owner@example.com"
    )
    classifier = None if rules_only else _classifier(model)
    with typer.progressbar(length=1, label="classifying") as bar:
        scores = asyncio.run(
            score(mails, parse=parse_fields, classifier=classifier, owner_email=owner)
        )
        bar.update(1)
    typer.echo(("rules only — " if rules_only else "") + scores.render())


def _from_corrections(user_id: int | None, days: int | None) -> None:
    from datetime import timedelta

    from gmail_assistant.classify.evaluate import Scores
    from gmail_assistant.corrections import (
        Correction,
        examples,
        labelled_pairs,
        render_corrections,
    )
    from gmail_assistant.db import Database, utcnow
    from gmail_assistant.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    since = utcnow() - timedelta(days=days) if days else None

    async def load() -> list[Correction]:
        database = Database.from_settings(settings.db)
        try:
            async with database.read() as session:
                return await examples(session, user_id=user_id, since=since)
        finally:
            await database.dispose()

    found = asyncio.run(load())
    scores = Scores(pairs=labelled_pairs(found))
    typer.echo("recorded predictions vs the owner's corrections — " + scores.render())
    typer.echo("")
    typer.echo(render_corrections(found))
