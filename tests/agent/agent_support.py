"""Scripting the fake OpenAI server's tool-call answers (raw chat.completion bodies)."""

from __future__ import annotations

import json
from typing import Any

from gmail_assistant_testing.fake_llm import Fault

__all__ = ["final", "tool_calls"]


def _body(message: dict[str, Any], finish: str) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-agent-test",
            "object": "chat.completion",
            "created": 1,
            "model": "fake-agent",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }
    )


def tool_calls(*calls: tuple[str, dict[str, Any] | str]) -> Fault:
    """An answer asking for these tools; a str argument is sent as written (maybe broken)."""
    return Fault(
        body=_body(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{i}",
                        "type": "function",
                        "function": {
                            "name": name,
                            "arguments": args if isinstance(args, str) else json.dumps(args),
                        },
                    }
                    for i, (name, args) in enumerate(calls)
                ],
            },
            "tool_calls",
        )
    )


def final(text: str) -> Fault:
    return Fault(body=_body({"role": "assistant", "content": text}, "stop"))
