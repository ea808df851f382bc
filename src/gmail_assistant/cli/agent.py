"""`debug-agent MAIL.eml --profile P`: one mail through an agent profile, as a dry run."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import typer

from gmail_assistant.cli.base import app

_SHOWN = 600  # characters of a tool result on screen


def _indented(text: str, prefix: str = "          ") -> str:
    return "\n".join(prefix + line for line in text.splitlines() or [""])


@app.command("debug-agent")
def debug_agent(
    eml: Path = typer.Argument(..., exists=True, dir_okay=False, help="An RFC 822 (.eml) file."),
    profile: str = typer.Option(..., "--profile", "-p", help="An agent profile of the config."),
    model: str = typer.Option(None, help="Another model than the profile's, e.g. openai/x."),
) -> None:
    """Run an agent profile on one mail with no mailbox: turns, tool calls, results, and what
    it would do. Nothing is written anywhere: no draft, no label, no mail; of the `http`
    tools only those declared `read_only: true` (GET) are called."""
    from gmail_assistant.agent.dry_run import dry_run
    from gmail_assistant.agent.http_tool import HttpTool
    from gmail_assistant.agent.profiles import resolve_profiles
    from gmail_assistant.cli.sample_mail import parse_raw
    from gmail_assistant.llm import InMemoryRecorder, LlmGateway
    from gmail_assistant.settings import load_settings

    settings = load_settings()
    profiles = resolve_profiles(settings.agent, agent_model=settings.llm.agent_model)
    chosen = profiles.get(profile)
    if chosen is None:
        known = ", ".join(sorted(profiles)) or "none configured"
        raise typer.BadParameter(f"unknown profile {profile!r} (known: {known})")
    if model:
        chosen = replace(chosen, model=model)
    message = parse_raw(eml.read_bytes())
    typer.echo(f"from:     {message.sender_name} <{message.sender_email}>")
    typer.echo(f"subject:  {message.subject}")
    typer.echo(f"profile:  {chosen.name} (model {chosen.model}; tools: {', '.join(chosen.tools)})")
    if chosen.broken:
        for problem in chosen.problems:
            typer.echo(f"problem:  {problem}")
        typer.echo("effect:   would escalate to the owner (profile broken); model not asked")
        return
    gateway = LlmGateway(settings=settings.llm, recorder=InMemoryRecorder())
    result = asyncio.run(dry_run(gateway, chosen, message))
    calls = result.outcome.tool_calls
    for number, turn in enumerate(result.turns, start=1):
        typer.echo(f"turn {number}:   {turn.text.strip() or '(no text)'}")
        for call in (c for c in calls if c["iteration"] == number):
            arguments = json.dumps(call["arguments"], ensure_ascii=False, sort_keys=True)
            typer.echo(f"  call:   {call['tool']} {arguments}")
            shown = call["result"][:_SHOWN] + ("…" if len(call["result"]) > _SHOWN else "")
            typer.echo(f"  result:\n{_indented(shown)}")
    typer.echo(f"outcome:  {result.outcome.summary()}")
    if result.outcome.final_message:
        typer.echo(f"final:    {result.outcome.final_message}")
    for note in result.would or ("would change nothing",):
        first, _, rest = note.partition("\n")
        typer.echo(f"effect:   {first}" + (f"\n{_indented(rest)}" if rest else ""))
    # Declared read-only http tools were called for real (they only read); name them.
    outside = {
        call["tool"]
        for call in calls
        if isinstance(chosen.tools.get(call["tool"]), HttpTool)
        and chosen.tools[call["tool"]].read_only
    }
    called = f" (read-only tools called for real: {', '.join(sorted(outside))})" if outside else ""
    typer.echo(f"dry run:  nothing was changed{called}")
