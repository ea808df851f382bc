"""Keeps every LLM call (each attempt) as an `llm_calls` row."""

from __future__ import annotations

from collections.abc import Callable

from gmail_assistant.db import Database
from gmail_assistant.db.models import LlmCall
from gmail_assistant.llm.records import LlmCallRecord

__all__ = ["DatabaseRecorder"]


class DatabaseRecorder:
    def __init__(
        self, *, database: Database, on_record: Callable[[LlmCallRecord], None] | None = None
    ) -> None:
        self.db = database
        self.on_record = on_record

    async def record(self, rec: LlmCallRecord) -> None:
        tokens = None
        if rec.prompt_tokens is not None or rec.completion_tokens is not None:
            tokens = (rec.prompt_tokens or 0) + (rec.completion_tokens or 0)
        async with self.db.transaction() as session:
            session.add(
                LlmCall(
                    user_id=rec.user_id,
                    email_id=rec.email_id,
                    thread_id=rec.thread_id,
                    job_id=rec.job_id,
                    purpose=rec.purpose,
                    model=rec.model,
                    system_prompt=rec.system_prompt,
                    user_prompt=rec.user_prompt,
                    response_text=rec.response_text,
                    prompt_tokens=rec.prompt_tokens,
                    completion_tokens=rec.completion_tokens,
                    total_tokens=tokens,
                    latency_ms=float(rec.latency_ms),
                    cost_usd=rec.cost_usd,
                    error=rec.error,
                    created_at=rec.created_at,
                )
            )
        if self.on_record is not None:
            self.on_record(rec)
