"""Keeps every LLM call (each attempt) as an `llm_calls` row.

The row is one INSERT on the driver connector (`db.connector`) rather than an ORM
transaction: it sits on the path of every classify and draft job (on PostgreSQL it does not
wait for the WAL flush — an audit row, not work).
"""

from __future__ import annotations

from collections.abc import Callable

from gmail_assistant.db.connector import Connector, Query
from gmail_assistant.db.models import LlmCall
from gmail_assistant.llm.records import LlmCallRecord

__all__ = ["DatabaseRecorder"]

# Every column but the key, from the model: the INSERT cannot drift from the table.
_COLUMNS = tuple(column.name for column in LlmCall.__table__.columns if not column.primary_key)
_INSERT = Query.build(
    "insert_llm_call",
    f"INSERT INTO llm_calls ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(':' + name for name in _COLUMNS)})",
)


class DatabaseRecorder:
    def __init__(
        self,
        *,
        connector: Connector,
        on_record: Callable[[LlmCallRecord], None] | None = None,
    ) -> None:
        self.connector = connector
        self.on_record = on_record

    async def record(self, rec: LlmCallRecord) -> None:
        tokens = None
        if rec.prompt_tokens is not None or rec.completion_tokens is not None:
            tokens = (rec.prompt_tokens or 0) + (rec.completion_tokens or 0)
        await self.connector.execute(
            _INSERT,
            {
                "user_id": rec.user_id,
                "email_id": rec.email_id,
                "thread_id": rec.thread_id,
                "job_id": rec.job_id,
                "purpose": rec.purpose,
                "model": rec.model,
                "system_prompt": rec.system_prompt,
                "user_prompt": rec.user_prompt,
                "response_text": rec.response_text,
                "prompt_tokens": rec.prompt_tokens,
                "completion_tokens": rec.completion_tokens,
                "total_tokens": tokens,
                "latency_ms": float(rec.latency_ms),
                "cost_usd": rec.cost_usd,
                "error": rec.error,
                "created_at": rec.created_at,
            },
        )
        if self.on_record is not None:
            self.on_record(rec)
