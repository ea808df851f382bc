"""`gmail-assistant demo`: the offline demo (no Google account, no LLM key needed)."""

from __future__ import annotations

from pathlib import Path

import typer

from gmail_assistant.cli.base import app


@app.command()
def demo(
    exit_after: bool = typer.Option(
        False, "--exit", help="Stop after the report instead of keeping the server up."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Folder for the database, logs and report (default: a temp one)."
    ),
    port: int = typer.Option(0, help="Server port (default: a free one)."),
    emulator_port: int = typer.Option(0, help="Gmail emulator port (default: a free one)."),
) -> None:
    """Run the whole product offline: Gmail emulator, real server, offline demo model."""
    from gmail_assistant.demo.runner import DemoOptions, run_demo

    report = run_demo(
        DemoOptions(
            data_dir=data_dir, port=port, emulator_port=emulator_port, exit_after=exit_after
        ),
        echo=typer.echo,
    )
    unhandled = len(report.mails) - report.handled
    failed = report.jobs.get("failed", 0)
    misrouted = report.misrouted
    if unhandled or failed or misrouted or report.gmail["safety_violations"]:
        typer.echo(
            f"demo: {unhandled} unhandled mails, {failed} failed jobs, "
            f"{len(misrouted)} misrouted mails, "
            f"{report.gmail['safety_violations']} safety violations",
            err=True,
        )
        raise typer.Exit(1)
