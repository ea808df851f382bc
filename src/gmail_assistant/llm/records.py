"""What one LLM call leaves behind: the result handed to the caller and the record kept.

Every attempt, successful or not, becomes one `LlmCallRecord` handed to an
`LlmCallRecorder`. The service records into the `llm_calls` table; `InMemoryRecorder` keeps
a list for tests, benches and the demo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from gmail_assistant.llm.jsonparse import extract_json_object

__all__ = [
    "CallContext",
    "ChatTurn",
    "InMemoryRecorder",
    "LlmCallRecord",
    "LlmCallRecorder",
    "LlmResult",
    "ToolCall",
]


@dataclass(frozen=True)
class CallContext:
    """Where a call came from, for the audit trail and the logs."""

    user_id: int | None = None
    email_id: int | None = None
    thread_id: str | None = None
    job_id: int | None = None


@dataclass(frozen=True)
class LlmCallRecord:
    """One attempt at one LLM call (a row of `llm_calls`)."""

    purpose: str  # "classify", "draft", "context", "rework", "agent", …
    model: str
    system_prompt: str
    user_prompt: str
    response_text: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int
    cost_usd: float | None
    error: str | None  # "<LlmErrorType>: <message>", None on success
    attempt: int  # 1-based
    created_at: datetime
    user_id: int | None = None
    email_id: int | None = None
    thread_id: str | None = None
    job_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@runtime_checkable
class LlmCallRecorder(Protocol):
    async def record(self, record: LlmCallRecord) -> None: ...


@dataclass
class InMemoryRecorder:
    """Keeps every record in `records`, in the order the attempts finished."""

    records: list[LlmCallRecord] = field(default_factory=list)

    async def record(self, record: LlmCallRecord) -> None:
        self.records.append(record)

    def by_purpose(self, purpose: str) -> list[LlmCallRecord]:
        return [r for r in self.records if r.purpose == purpose]

    def clear(self) -> None:
        self.records.clear()


@dataclass(frozen=True)
class LlmResult:
    """A successful call's answer. `attempts` counts the failed tries before it too."""

    text: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int
    cost_usd: float | None
    offline: bool
    attempts: int

    @property
    def response_text(self) -> str:
        return self.text

    def json(self) -> dict[str, Any]:
        """The first JSON object in the answer; `LlmResponseError` when there is none."""
        return extract_json_object(self.text)


@dataclass(frozen=True)
class ToolCall:
    """A function the model asked to run; `arguments` as the model wrote them (JSON text)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ChatTurn:
    """One turn of a tool-calling conversation: text, tool calls, or both."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int
    cost_usd: float | None
    offline: bool
    attempts: int

    @property
    def response_text(self) -> str:
        """What the `llm_calls` row keeps: the text, then each call as one JSON line."""
        calls = [
            json.dumps(
                {"tool_call": c.name, "id": c.id, "arguments": c.arguments}, ensure_ascii=False
            )
            for c in self.tool_calls
        ]
        return "\n".join([self.text, *calls]).strip()
