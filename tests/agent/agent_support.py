"""Scripting the fake OpenAI server's agent turns: tool-call answers and final answers."""

from __future__ import annotations

from typing import Any

from gmail_assistant_testing.fake_llm import Fault, ToolCall

__all__ = ["final", "tool_calls"]


def tool_calls(*calls: tuple[str, dict[str, Any] | str]) -> Fault:
    """An answer asking for these tools; a str argument is sent as written (maybe broken)."""
    return Fault(tool_calls=tuple(ToolCall(name, args) for name, args in calls))


def final(text: str) -> Fault:
    return Fault(content=text)
