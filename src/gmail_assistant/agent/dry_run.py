"""A profile's loop on one parsed mail, changing nothing: what `debug-agent` shows.

Nothing here can reach a mailbox. The tools read from a one-message stand-in built from the
mail itself (`search_mailbox` finds nothing, `read_thread` sees the mail); the built-in tools
that would change something run against `DryRunEffects`, which only notes what they would
do. A declared `http` tool is called for real only when its config declares it
`read_only: true` (a GET: a lookup, a search); any other one is not called at all, only
noted. Every model turn is kept, so the operator sees what the model said and asked for, in
order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gmail_assistant.agent.effects import DryRunEffects
from gmail_assistant.agent.loop import AgentLlm, RunOutcome, run_loop
from gmail_assistant.agent.profiles import Profile
from gmail_assistant.agent.tools import BUILTIN_TOOLS, Tool, ToolContext
from gmail_assistant.gmail.models import ParsedMessage, ThreadData
from gmail_assistant.llm.records import CallContext, ChatTurn

__all__ = ["DryRun", "OneMailReader", "dry_run", "dry_run_tools"]


@dataclass(frozen=True)
class OneMailReader:
    """A read-only mailbox holding only the mail under test."""

    message: ParsedMessage

    @property
    def thread(self) -> ThreadData:
        return ThreadData(id=self.message.thread_id, messages=(self.message,), history_id=1)

    async def list_message_ids(
        self,
        query: str,
        max_results: int | None = None,
        label_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str]]:
        return []  # a dry run has no mailbox to search

    async def get_message(self, message_id: str) -> ParsedMessage:
        if message_id != self.message.id:
            raise LookupError(f"dry run: message {message_id} is not available")
        return self.message

    async def get_thread(self, thread_id: str) -> ThreadData:
        if thread_id != self.message.thread_id:
            raise LookupError(f"dry run: thread {thread_id} is not available")
        return self.thread


@dataclass(frozen=True)
class _NotCalled:
    """A tool with effects outside the mailbox (an `http` tool): noted, never called."""

    tool: Tool
    notes: list[str]

    @property
    def name(self) -> str:
        return self.tool.name

    @property
    def read_only(self) -> bool:
        return True

    def schema(self) -> dict[str, Any]:
        return self.tool.schema()

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> str:
        self.notes.append(f"would call {self.name} with {args}")
        return f"Dry run: {self.name} was not called."


def dry_run_tools(profile: Profile, effects: DryRunEffects) -> dict[str, Tool]:
    """The profile's tools, each as it runs in a dry run (same names and schemas): the
    read-only ones (built-in readers, declared read-only http tools) as they are."""
    tools: dict[str, Tool] = dict(profile.read_only_tools())
    for name, tool in profile.tools.items():
        if name in tools:
            continue
        if BUILTIN_TOOLS.get(name) is tool:
            tools[name] = tool  # built-in effects go through `effects`, the dry-run ones
        else:
            tools[name] = _NotCalled(tool, effects.notes)
    return tools


@dataclass
class _TurnLog:
    llm: AgentLlm
    turns: list[ChatTurn] = field(default_factory=list)

    async def chat(
        self,
        *,
        purpose: str,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        max_tokens: int | None = None,
        temperature: float | None = None,
        context: CallContext | None = None,
    ) -> ChatTurn:
        turn = await self.llm.chat(
            purpose=purpose,
            model=model,
            messages=messages,
            tools=tools,
            max_tokens=max_tokens,
            temperature=temperature,
            context=context,
        )
        self.turns.append(turn)
        return turn


@dataclass(frozen=True)
class DryRun:
    outcome: RunOutcome
    turns: tuple[ChatTurn, ...]
    would: tuple[str, ...]  # what the run would have changed, in order


async def dry_run(llm: AgentLlm, profile: Profile, message: ParsedMessage) -> DryRun:
    effects = DryRunEffects()
    reader = OneMailReader(message)
    log = _TurnLog(llm)
    outcome = await run_loop(
        log,
        model=profile.model,
        system=profile.system_prompt,
        user=profile.preprocess(message).text,
        tools=dry_run_tools(profile, effects),
        ctx=ToolContext(gmail=reader, thread=reader.thread, inbound=message, effects=effects),
        limits=profile.limits,
        max_tokens=profile.max_tokens,
        temperature=profile.temperature,
    )
    return DryRun(outcome=outcome, turns=tuple(log.turns), would=tuple(effects.notes))
