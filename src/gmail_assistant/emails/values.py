"""Values the email queries hand out: read-only snapshots of rows, safe to serialise."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from gmail_assistant.db.models import AgentRun, Email, EmailEvent, Job, LlmCall

__all__ = [
    "AgentRunView",
    "EmailEventView",
    "EmailFilter",
    "EmailView",
    "JobView",
    "LlmCallView",
    "Page",
    "ToolCallLine",
]


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class EmailView(_View):
    id: int
    user_id: int
    gmail_thread_id: str
    gmail_message_id: str
    last_message_id: str | None
    sender_email: str
    sender_name: str | None
    subject: str | None
    snippet: str | None
    classification: str | None
    confidence: float | None
    reasoning: str | None
    detected_language: str | None
    resolved_style: str | None
    is_automated: bool
    status: str
    draft_id: str | None
    rework_count: int
    last_rework_instruction: str | None
    draft_similarity: float | None
    received_at: datetime | None
    classified_at: datetime | None
    drafted_at: datetime | None
    acted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Email) -> EmailView:
        return cls.model_validate(row)


class EmailEventView(_View):
    id: int
    email_id: int | None
    thread_id: str
    event_type: str
    detail: str | None
    label_id: str | None
    draft_id: str | None
    job_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, row: EmailEvent) -> EmailEventView:
        return cls.model_validate(row)


class LlmCallView(_View):
    id: int
    email_id: int | None
    thread_id: str | None
    job_id: int | None
    purpose: str
    model: str
    system_prompt: str | None
    user_prompt: str | None
    response_text: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    latency_ms: float | None
    cost_usd: float | None
    error: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: LlmCall) -> LlmCallView:
        return cls.model_validate(row)

    @property
    def tokens(self) -> int:
        if self.total_tokens is not None:
            return self.total_tokens
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)


class AgentRunView(_View):
    id: int
    email_id: int | None
    thread_id: str
    profile: str
    status: str
    tool_calls: Any
    final_message: str | None
    iterations: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row: AgentRun) -> AgentRunView:
        return cls.model_validate(row)

    def tool_log(self) -> tuple[ToolCallLine, ...]:
        """The stored tool-call log as lines; a malformed entry shows as-is rather than vanish."""
        entries = self.tool_calls if isinstance(self.tool_calls, list) else []
        return tuple(ToolCallLine.of(entry) for entry in entries)


@dataclass(frozen=True)
class ToolCallLine:
    """One entry of an agent run's tool-call log, arguments rendered as JSON text."""

    tool: str
    arguments: str
    result: str
    iteration: int | None

    @classmethod
    def of(cls, entry: Any) -> ToolCallLine:
        if not isinstance(entry, dict):
            return cls(tool="?", arguments="", result=str(entry), iteration=None)
        iteration = entry.get("iteration")
        return cls(
            tool=str(entry.get("tool", "?")),
            arguments=json.dumps(entry.get("arguments", {}), ensure_ascii=False, sort_keys=True),
            result=str(entry.get("result", "")),
            iteration=iteration if isinstance(iteration, int) else None,
        )


class JobView(_View):
    id: int
    job_type: str
    user_id: int | None
    thread_id: str | None
    payload: dict[str, Any]
    status: str
    attempts: int
    max_attempts: int
    last_error: str | None
    run_after: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: Job) -> JobView:
        return cls.model_validate(row)


@dataclass(frozen=True)
class EmailFilter:
    """What to show: every field optional; `query` searches text columns and the thread id."""

    user_id: int | None = None
    status: str | None = None
    classification: str | None = None
    query: str | None = None


@dataclass(frozen=True)
class Page:
    items: tuple[EmailView, ...]
    total: int
    limit: int
    offset: int
