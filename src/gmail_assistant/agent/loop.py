"""The tool-calling loop: ask the model, run the tools it asks for, hand back the results,
until it answers without a tool call or a limit stops it.

Outcomes: `completed` (a final answer), `max_iterations` (the profile's rounds used up) or
`error` (the model failed after the gateway's retries, a per-run cap on tool calls, tokens or
cost was hit, or the run's timeout passed). A tool that fails does not end the run: its
error goes back to the model as the tool's result; arguments that are not a JSON object
become `{}`. Every turn is an `llm_calls` row (purpose "agent"), through the gateway.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from gmail_assistant.agent.tools import Tool, ToolContext
from gmail_assistant.llm.errors import LlmError
from gmail_assistant.llm.records import CallContext, ChatTurn

__all__ = ["AgentLlm", "RunLimits", "RunOutcome", "run_loop"]

log = logging.getLogger(__name__)
_RESULT_CHARS = 8_000  # of one tool result, in the conversation and in the log


class AgentLlm(Protocol):
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
    ) -> ChatTurn: ...


@dataclass(frozen=True)
class RunLimits:
    max_iterations: int = 10
    max_tool_calls: int = 20
    max_tokens: int = 60_000
    max_cost_usd: float = 0.50
    timeout_seconds: float = 300.0
    tool_timeout_seconds: float = 20.0


@dataclass
class RunOutcome:
    status: str = "running"
    final_message: str | None = None
    iterations: int = 0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    turns: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    def summary(self) -> str:
        tools = ", ".join(c["tool"] for c in self.tool_calls) or "none"
        text = f"{self.status} after {self.iterations} round(s); tools: {tools}"
        return f"{text}; error: {self.error}" if self.error else text


class _Stop(Exception):
    """A per-run cap was reached."""


def parse_arguments(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


async def _run_tool(
    tool: Tool | None, name: str, args: dict[str, Any], ctx: ToolContext, timeout: float
) -> str:
    if tool is None:
        return f"Error: no tool named {name!r} is available in this profile."
    try:
        async with asyncio.timeout(timeout):
            return await tool.run(args, ctx)
    except TimeoutError:
        return f"Error: tool {name} timed out after {timeout:g} s."
    except Exception as exc:  # the model gets to react to a failed tool
        log.info("agent tool failed", extra={"tool": name, "error": type(exc).__name__})
        return f"Error: {type(exc).__name__}: {str(exc)[:500]}"


async def run_loop(
    llm: AgentLlm,
    *,
    model: str,
    system: str,
    user: str,
    tools: dict[str, Tool],
    ctx: ToolContext,
    limits: RunLimits,
    max_tokens: int | None = None,
    temperature: float | None = None,
    context: CallContext | None = None,
) -> RunOutcome:
    outcome = RunOutcome()
    try:
        async with asyncio.timeout(limits.timeout_seconds):
            await _loop(
                llm, outcome, model, system, user, tools, ctx, limits, max_tokens, temperature,
                context,
            )  # fmt: skip
    except TimeoutError:
        outcome.status = "error"
        outcome.error = f"run timed out after {limits.timeout_seconds:g} s"
    except _Stop as stop:
        outcome.status = "error"
        outcome.error = str(stop)
    except LlmError as exc:
        outcome.status = "error"
        outcome.error = f"{type(exc).__name__}: {str(exc)[:500]}"
    return outcome


async def _loop(
    llm: AgentLlm,
    outcome: RunOutcome,
    model: str,
    system: str,
    user: str,
    tools: dict[str, Tool],
    ctx: ToolContext,
    limits: RunLimits,
    max_tokens: int | None,
    temperature: float | None,
    context: CallContext | None,
) -> None:
    schemas = [tool.schema() for tool in tools.values()]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": user},
    ]
    while True:
        turn = await llm.chat(
            purpose="agent",
            model=model,
            messages=messages,
            tools=schemas,
            max_tokens=max_tokens,
            temperature=temperature,
            context=context,
        )
        outcome.turns += 1
        outcome.tokens += (turn.prompt_tokens or 0) + (turn.completion_tokens or 0)
        outcome.cost_usd += turn.cost_usd or 0.0
        if not turn.tool_calls:
            outcome.status = "completed"
            outcome.final_message = turn.text.strip()
            return
        if outcome.iterations >= limits.max_iterations:
            outcome.status = "max_iterations"
            outcome.final_message = turn.text.strip() or None
            return
        outcome.iterations += 1
        if outcome.tokens > limits.max_tokens:
            raise _Stop(f"token cap reached ({outcome.tokens} > {limits.max_tokens})")
        if outcome.cost_usd > limits.max_cost_usd:
            raise _Stop(f"cost cap reached (${outcome.cost_usd:.4f} > ${limits.max_cost_usd})")
        messages.append(
            {
                "role": "assistant",
                "content": turn.text or None,
                "tool_calls": [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call in turn.tool_calls
                ],
            }
        )
        for call in turn.tool_calls:
            if len(outcome.tool_calls) >= limits.max_tool_calls:
                raise _Stop(f"tool-call cap reached ({limits.max_tool_calls})")
            args = parse_arguments(call.arguments)
            result = await _run_tool(
                tools.get(call.name), call.name, args, ctx, limits.tool_timeout_seconds
            )
            result = result[:_RESULT_CHARS]
            outcome.tool_calls.append(
                {
                    "tool": call.name,
                    "arguments": args,
                    "result": result,
                    "iteration": outcome.iterations,
                }
            )
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
