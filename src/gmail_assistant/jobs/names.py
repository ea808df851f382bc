"""The job types on the queue (DESIGN.md §2): one flow each."""

from __future__ import annotations

__all__ = [
    "AGENT_PROCESS",
    "CLASSIFY",
    "CLEANUP",
    "DRAFT",
    "MANUAL_DRAFT",
    "REWORK",
    "SYNC",
]

SYNC = "sync"  # scope user: payload {"full": bool, "history_id": str | None}
CLASSIFY = "classify"  # scope thread: payload {"message_id": str, "force": bool}
DRAFT = "draft"  # scope thread: payload {"email_id": int}
REWORK = "rework"  # scope thread: payload {"message_id": str}
MANUAL_DRAFT = "manual_draft"  # scope thread: payload {"message_id": str}
CLEANUP = "cleanup"  # scope thread: payload {"action": "done" | "check_sent", "message_id": str}
AGENT_PROCESS = "agent_process"  # scope thread
