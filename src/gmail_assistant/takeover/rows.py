"""v2.3.0's rows in this project's tables: the data half of the v2.3.0 upgrade.

`copy_v2(source, target)` reads a v2.3.0 SQLite database (a stdlib connection, read only)
and inserts its rows into a database that already has this project's schema, through one
SQLAlchemy connection, so the same code fills a fresh SQLite file or a PostgreSQL database.

What changes on the way (docs/operations.md, "Upgrade from v2.3.0"):
- ids of users, emails, events, LLM calls, agent runs and jobs are kept, so links and the
  admin's history read the same; `email_id` columns v2.3.0 did not have are filled by
  (user, thread).
- `emails.confidence` high/medium/low becomes 0.9/0.6/0.3; `last_message_id` is the
  triggering message, so a rerun or a full sync never triages a known thread again;
  `draft_body` (our text of the live draft) comes from the newest draft/rework LLM answer.
- timestamps: v2.3.0 wrote text, epoch seconds or milliseconds, and now and then the literal
  text CURRENT_TIMESTAMP; all become UTC datetimes (unreadable ones fall back to the row's
  other times).
- `user_settings` values are carried as they are (v2.3.0's JSON formats); the label key
  `parent` is our `ai`.
- jobs: finished ones stay as history (completed/failed, purged by retention like ours);
  pending and running ones become pending jobs in our format (see `_pending_job`).
- not carried (they stay in the pre-upgrade backup): `emails.message_count`,
  `emails.vendor_name`, `sync_state.watch_resource_id`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from gmail_assistant.db.models import (
    AgentRun,
    Email,
    EmailEvent,
    Job,
    LlmCall,
    SyncState,
    User,
    UserLabel,
    UserSetting,
)
from gmail_assistant.db.types import utcnow
from gmail_assistant.jobs import names
from gmail_assistant.jobs.in_transaction import DEFAULT_SCOPES
from gmail_assistant.jobs.registry import JobType

__all__ = ["CONFIDENCE", "LABEL_KEYS", "CopyReport", "copy_v2", "v2_time"]

log = logging.getLogger(__name__)

CONFIDENCE = {"high": 0.9, "medium": 0.6, "low": 0.3}
LABEL_KEYS = {"parent": "ai"}
_BATCH = 500


@dataclass
class CopyReport:
    """Rows written per table, and what happened to v2.3.0's unfinished jobs."""

    rows: dict[str, int] = field(default_factory=dict)
    jobs_pending: int = 0  # carried over as pending jobs (after mapping)
    jobs_history: int = 0  # finished jobs kept as history
    jobs_not_carried: list[str] = field(default_factory=list)  # why, one line each


def v2_time(value: Any) -> datetime | None:
    """A v2.3.0 timestamp as UTC: 'YYYY-MM-DD HH:MM:SS', ISO text, epoch s or ms."""
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = float(value.strip())
    if number is not None:
        # Epoch milliseconds are > 10^11 for any date after 1973.
        seconds = number / 1000 if number > 1e11 else number
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None  # e.g. the literal 'CURRENT_TIMESTAMP' v2.3.0 stored at times
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _json(value: Any, default: Any) -> Any:
    if value is None:
        return default
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def _rows(source: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    cursor = source.execute(f"SELECT * FROM {table} ORDER BY rowid")
    columns = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(columns, row, strict=True))


def _tables(source: sqlite3.Connection) -> set[str]:
    return {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type='table'")}


class _Copier:
    def __init__(self, source: sqlite3.Connection, target: Connection) -> None:
        self.source = source
        self.target = target
        self.present = _tables(source)
        self.now = utcnow()
        self.report = CopyReport()
        # (user, thread) → email id, and (user, message) → thread, for v2.3.0's loose links.
        self.email_ids: dict[tuple[Any, str], int] = {}
        self.thread_of_message: dict[tuple[Any, str], str] = {}
        self.open_drafts: dict[int, list[int]] = {}  # user → emails holding a live draft

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        return _rows(self.source, table) if table in self.present else iter(())

    def insert(self, model: Any, rows: Iterator[dict[str, Any]]) -> None:
        table = model.__table__
        batch: list[dict[str, Any]] = []
        count = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= _BATCH:
                self.target.execute(table.insert(), batch)
                count, batch = count + len(batch), []
        if batch:
            self.target.execute(table.insert(), batch)
            count += len(batch)
        self.report.rows[table.name] = count

    def run(self) -> CopyReport:
        self.insert(User, self.users())
        self.insert(UserLabel, self.labels())
        self.insert(UserSetting, self.settings())
        self.insert(SyncState, self.sync_state())
        self.insert(Email, self.emails())
        self.insert(EmailEvent, self.events())
        self.insert(LlmCall, self.llm_calls())
        self.insert(AgentRun, self.agent_runs())
        self.insert(Job, self.jobs())
        if self.target.dialect.name == "postgresql":
            self._advance_sequences()
        return self.report

    def users(self) -> Iterator[dict[str, Any]]:
        for r in self.rows("users"):
            yield {
                "id": r["id"],
                "email": r["email"],
                "display_name": r.get("display_name"),
                "is_active": bool(r.get("is_active", 1)),
                "onboarded_at": v2_time(r.get("onboarded_at")),
                "created_at": v2_time(r.get("created_at")) or self.now,
            }

    def labels(self) -> Iterator[dict[str, Any]]:
        for r in self.rows("user_labels"):
            yield {
                "user_id": r["user_id"],
                "label_key": LABEL_KEYS.get(r["label_key"], r["label_key"]),
                "gmail_label_id": r["gmail_label_id"],
                "gmail_label_name": r["gmail_label_name"],
            }

    def settings(self) -> Iterator[dict[str, Any]]:
        for r in self.rows("user_settings"):
            raw = r["setting_value"]
            value = _json(raw, raw)  # text that is not JSON is kept as a JSON string
            yield {
                "user_id": r["user_id"],
                "key": r["setting_key"],
                "value": value,
                "updated_at": self.now,
            }

    def sync_state(self) -> Iterator[dict[str, Any]]:
        for r in self.rows("sync_state"):
            cursor = str(r.get("last_history_id") or "").strip()
            yield {
                "user_id": r["user_id"],
                # v2.3.0's '0' meant "never synced"; ours says so with no cursor.
                "last_history_id": cursor if cursor not in ("", "0") else None,
                "last_sync_at": v2_time(r.get("last_sync_at")),
                "last_full_sync_at": None,
                "last_push_at": None,
                "watch_expiration": v2_time(r.get("watch_expiration")),
                "watch_topic": None,
            }

    def _draft_texts(self) -> dict[tuple[Any, str], str]:
        """(user, thread) → the newest draft/rework answer: our text of the live draft."""
        texts: dict[tuple[Any, str], str] = {}
        for r in self.rows("llm_calls"):
            usable = r.get("response_text") and not r.get("error") and r.get("gmail_thread_id")
            if r.get("call_type") in ("draft", "rework") and usable:
                texts[(r.get("user_id") or 0, r["gmail_thread_id"])] = r["response_text"]
        return texts

    def emails(self) -> Iterator[dict[str, Any]]:
        drafts = self._draft_texts()
        for r in self.rows("emails"):
            user_id, thread_id = r["user_id"], r["gmail_thread_id"]
            self.email_ids[(user_id, thread_id)] = r["id"]
            self.thread_of_message[(user_id, r["gmail_message_id"])] = thread_id
            status = r.get("status") or "pending"
            live_draft = bool(r.get("draft_id")) and status in ("drafted", "rework_requested")
            if live_draft:
                self.open_drafts.setdefault(user_id, []).append(r["id"])
            created = v2_time(r.get("created_at")) or self.now
            updated = v2_time(r.get("updated_at")) or created
            acted = v2_time(r.get("acted_at"))
            if acted is None and r.get("acted_at") and status in ("sent", "archived"):
                acted = updated  # v2.3.0 stored the text CURRENT_TIMESTAMP here
            yield {
                "id": r["id"],
                "user_id": user_id,
                "gmail_thread_id": thread_id,
                "gmail_message_id": r["gmail_message_id"],
                "last_message_id": r["gmail_message_id"],
                "rfc_message_id": None,
                "sender_email": r.get("sender_email") or "",
                "sender_name": r.get("sender_name"),
                "subject": r.get("subject"),
                "snippet": r.get("snippet"),
                "classification": r.get("classification"),
                "confidence": CONFIDENCE.get(str(r.get("confidence") or "").lower()),
                "reasoning": r.get("reasoning"),
                "detected_language": r.get("detected_language"),
                "resolved_style": r.get("resolved_style"),
                "is_automated": False,
                "status": status,
                "draft_id": r.get("draft_id"),
                "rework_count": int(r.get("rework_count") or 0),
                "last_rework_instruction": r.get("last_rework_instruction"),
                "draft_similarity": None,
                "draft_body": drafts.get((user_id, thread_id)) if live_draft else None,
                "context_queries": None,
                "received_at": v2_time(r.get("received_at")),
                "classified_at": v2_time(r.get("processed_at")),
                "drafted_at": v2_time(r.get("drafted_at")),
                "acted_at": acted,
                "created_at": created,
                "updated_at": updated,
            }

    def events(self) -> Iterator[dict[str, Any]]:
        for r in self.rows("email_events"):
            yield {
                "id": r["id"],
                "user_id": r["user_id"],
                "email_id": self.email_ids.get((r["user_id"], r["gmail_thread_id"])),
                "thread_id": r["gmail_thread_id"],
                "event_type": r["event_type"],
                "detail": r.get("detail"),
                "label_id": r.get("label_id"),
                "draft_id": r.get("draft_id"),
                "job_id": None,
                "created_at": v2_time(r.get("created_at")) or self.now,
            }

    def llm_calls(self) -> Iterator[dict[str, Any]]:
        for r in self.rows("llm_calls"):
            thread_id = r.get("gmail_thread_id")
            latency = r.get("latency_ms")
            yield {
                "id": r["id"],
                "user_id": r.get("user_id"),
                "email_id": self.email_ids.get((r.get("user_id"), thread_id or "")),
                "thread_id": thread_id,
                "job_id": None,
                "purpose": r["call_type"],
                "model": r["model"],
                "system_prompt": r.get("system_prompt"),
                "user_prompt": r.get("user_message"),
                "response_text": r.get("response_text"),
                "prompt_tokens": r.get("prompt_tokens"),
                "completion_tokens": r.get("completion_tokens"),
                "total_tokens": r.get("total_tokens"),
                "latency_ms": float(latency) if latency is not None else None,
                "cost_usd": None,
                "error": r.get("error"),
                "created_at": v2_time(r.get("created_at")) or self.now,
            }

    def agent_runs(self) -> Iterator[dict[str, Any]]:
        for r in self.rows("agent_runs"):
            raw_calls = r.get("tool_calls_log")
            calls = _json(raw_calls, None)
            yield {
                "id": r["id"],
                "user_id": r["user_id"],
                "email_id": self.email_ids.get((r["user_id"], r["gmail_thread_id"])),
                "thread_id": r["gmail_thread_id"],
                "profile": r["profile"],
                "status": r.get("status") or "running",
                # A log that is not JSON is kept as one text entry rather than lost.
                "tool_calls": calls if calls is not None else ([raw_calls] if raw_calls else []),
                "final_message": r.get("final_message"),
                "iterations": int(r.get("iterations") or 0),
                "error": r.get("error"),
                "created_at": v2_time(r.get("created_at")) or self.now,
                "finished_at": v2_time(r.get("completed_at")),
            }

    # -- jobs ---------------------------------------------------------------------------

    def jobs(self) -> Iterator[dict[str, Any]]:
        # Unfinished jobs are gathered first: one pending job per de-duplication key, as
        # our queue keeps it, and of two that collide the one doing more wins.
        pending: dict[object, dict[str, Any]] = {}
        next_id = 1 + max((r["id"] for r in self.rows("jobs")), default=0)
        for r in self.rows("jobs"):
            payload = _json(r.get("payload"), None)
            payload = payload if isinstance(payload, dict) else {}
            user_id = r.get("user_id")
            thread_id = self._thread(user_id, payload)
            if r.get("status") in ("completed", "failed"):
                self.report.jobs_history += 1
                yield self._job_row(r["id"], r, thread_id, payload, status=r["status"])
                continue
            own_id: int | None = r["id"]  # the first job made from it keeps its id
            for job_type, job_thread, job_payload in self._pending_job(r, thread_id, payload):
                scope = DEFAULT_SCOPES.get(job_type, "none")
                dedup, lock = JobType(job_type, _never, scope).keys(user_id, job_thread)
                key: object = dedup if dedup is not None else ("no key", r["id"], job_thread)
                if key in pending:
                    _absorb(pending[key]["payload"], job_payload)
                    continue
                if own_id is not None:
                    job_id, own_id = own_id, None
                else:
                    job_id, next_id = next_id, next_id + 1
                pending[key] = self._job_row(
                    job_id,
                    {**r, "job_type": job_type},
                    job_thread,
                    {**job_payload, "v2_job_id": r["id"]},
                    status="pending",
                    dedup_key=dedup,
                    lock_key=lock,
                )
        self.report.jobs_pending = len(pending)
        yield from sorted(pending.values(), key=lambda row: row["id"])

    def _thread(self, user_id: Any, payload: dict[str, Any]) -> str | None:
        if payload.get("thread_id"):
            return str(payload["thread_id"])
        message_id = payload.get("message_id")
        return self.thread_of_message.get((user_id, str(message_id))) if message_id else None

    def _pending_job(
        self, r: dict[str, Any], thread_id: str | None, payload: dict[str, Any]
    ) -> list[tuple[str, str | None, dict[str, Any]]]:
        """v2.3.0's unfinished job as our job(s): (type, thread, payload) each."""
        job_type, user_id = r["job_type"], r.get("user_id")
        message = {"message_id": payload["message_id"]} if payload.get("message_id") else {}
        if job_type == names.SYNC:
            return [(names.SYNC, None, {"full": False})]
        if job_type == names.CLASSIFY:
            if thread_id is None:
                # Our classify works per thread; a full sync finds the unknown thread.
                return [(names.SYNC, None, {"full": True})]
            return [(names.CLASSIFY, thread_id, message)]
        if job_type == names.DRAFT and thread_id is not None:
            email_id = self.email_ids.get((user_id, thread_id))
            if email_id is not None:
                return [(names.DRAFT, thread_id, {"email_id": email_id})]
            return [(names.CLASSIFY, thread_id, message)]
        if job_type == names.CLEANUP and payload.get("action") == "check_sent":
            if thread_id is not None:
                return [(names.CLEANUP, thread_id, {"action": "check_sent", **message})]
            # v2.3.0 named the deleted draft's message: check every thread holding a draft
            # of ours (check_sent only acts where the draft is really gone).
            return [
                (names.CLEANUP, thread, {"action": "check_sent"})
                for thread in self._draft_threads(user_id)
            ]
        if job_type in DEFAULT_SCOPES and thread_id is not None:
            return [(job_type, thread_id, {**payload, **message})]
        self.report.jobs_not_carried.append(
            f"job {r['id']} ({job_type}, {r.get('status')}): no thread found for "
            f"payload {json.dumps(payload, sort_keys=True)}"
        )
        log.warning("v2.3.0 job not carried over", extra={"v2_job_id": r["id"]})
        return []

    def _draft_threads(self, user_id: Any) -> list[str]:
        ids = set(self.open_drafts.get(user_id, []))
        return [
            thread for (user, thread), i in self.email_ids.items() if user == user_id and i in ids
        ]

    def _job_row(
        self,
        job_id: int,
        r: dict[str, Any],
        thread_id: str | None,
        payload: dict[str, Any],
        *,
        status: str,
        dedup_key: str | None = None,
        lock_key: str | None = None,
    ) -> dict[str, Any]:
        finished = status != "pending"
        created = v2_time(r.get("created_at")) or self.now
        return {
            "id": job_id,
            "job_type": r["job_type"],
            "user_id": r.get("user_id"),
            "thread_id": thread_id,
            "payload": payload,
            "status": status,
            # A carried job starts afresh: v2.3.0's attempts were on v2.3.0's code.
            "attempts": int(r.get("attempts") or 0) if finished else 0,
            "max_attempts": int(r.get("max_attempts") or 3) if finished else 5,
            "run_after": created if finished else self.now,
            "dedup_key": dedup_key,
            "lock_key": lock_key,
            "locked_by": None,
            "lease_expires_at": None,
            "last_error": r.get("error_message"),
            "created_at": created,
            "started_at": v2_time(r.get("started_at")) if finished else None,
            "finished_at": v2_time(r.get("completed_at")) if finished else None,
        }

    def _advance_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences behind; move them past the copied rows."""
        for model in (User, UserLabel, UserSetting, Email, EmailEvent, LlmCall, AgentRun, Job):
            table = model.__table__
            assert isinstance(table, Table)
            top = self.target.execute(select(func.max(table.c.id))).scalar()
            if top:
                self.target.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                    {"t": table.name, "v": top},
                )


def _absorb(kept: dict[str, Any], other: dict[str, Any]) -> None:
    """Two unfinished jobs with one key: a full sync outdoes an incremental one, done
    outdoes check_sent."""
    if other.get("full"):
        kept["full"] = True
    if other.get("action") == "done":
        kept["action"] = "done"
        if other.get("message_id"):
            kept["message_id"] = other["message_id"]


async def _never(_job: Any) -> None:  # pragma: no cover - key making only, never run
    raise RuntimeError("not a handler")


def copy_v2(source: sqlite3.Connection, target: Connection) -> CopyReport:
    """Insert every v2.3.0 row of `source` into `target` (our schema, no rows yet)."""
    return _Copier(source, target).run()
