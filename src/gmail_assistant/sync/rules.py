"""History → jobs (DESIGN.md §2), as a pure function over one batch of history records.

| history change                                         | job                              |
|--------------------------------------------------------|----------------------------------|
| messagesAdded, INBOX, not DRAFT/SENT, unknown thread    | classify {message_id}            |
| the same on a thread already in `emails`               | classify {message_id, retriage}  |
| labelsAdded Done, not ours                             | cleanup {action: done}           |
| labelsAdded Rework, not ours                           | rework {message_id}              |
| labelsAdded Needs Response, not ours                   | manual_draft {message_id}        |
| labelsAdded Action Required / Payment Requests / FYI / | none: sync itself writes one     |
|   Waiting, not ours, on a thread `emails` classified   |   `owner_reclassified` event     |
|   otherwise                                            |   (`owner_moves`)                |
| messagesDeleted in a thread holding our draft, not ours | cleanup {action: check_sent}     |
| messagesAdded SENT in a thread whose email is drafted  | cleanup {action: check_sent}     |
| labelsAdded SENT / labelsRemoved DRAFT, thread drafted | cleanup {action: check_sent}     |

How Gmail shows the owner sending a draft from its web client is not documented: either the
draft message is deleted and a new SENT message added, or the same message loses DRAFT and
gains SENT. Both lead to one check_sent; the handler then looks at Gmail itself.

Everything else (new drafts, label removals, our own changes) is no job. A batch yields at
most one job per (type, thread); classify carries the newest message, and cleanup(done) wins
over cleanup(check_sent) for the same thread. An owner's move to another category label is
a correction to learn from, not work: at most one `OwnerMove` per thread and batch (the last
label the owner added), and only when it differs from the thread's recorded category.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gmail_assistant.gmail.models import HistoryRecord
from gmail_assistant.jobs import names
from gmail_assistant.labels import LabelMap
from gmail_assistant.sync.own_writes import DRAFT_REMOVE, LABEL_ADD, OwnWriteKey

__all__ = [
    "DRAFT_STATUSES",
    "LABEL_JOBS",
    "OWNER_MOVE_KEYS",
    "OwnerMove",
    "PlannedJob",
    "SyncPlan",
    "ThreadState",
    "plan_jobs",
    "watched_label_ids",
]

# Statuses in which the thread's stored draft is live in Gmail.
DRAFT_STATUSES = frozenset({"drafted", "rework_requested"})
# The labels whose addition (by the owner) becomes a job; adding any other label, and
# removing any label, never does.
LABEL_JOBS = {"done": names.CLEANUP, "rework": names.REWORK, "needs_response": names.MANUAL_DRAFT}
# Category labels whose addition by the owner is a reclassification (Needs Response is one
# too, but it asks for a draft: `manual_draft` records it). Outbox is a stage, not a category.
OWNER_MOVE_KEYS = ("action_required", "payment_request", "fyi", "waiting")


def watched_label_ids(labels: LabelMap) -> frozenset[str]:
    """Ids of the labels whose addition sync acts on: a job, or an owner's move (what own
    writes must record, so that the assistant's own label changes never count)."""
    keys = (*LABEL_JOBS, *OWNER_MOVE_KEYS)
    return frozenset(i for i in (labels.get(key) for key in keys) if i is not None)


@dataclass(frozen=True)
class ThreadState:
    """What `emails` knows about a thread."""

    status: str
    draft_id: str | None = None
    classification: str | None = None


@dataclass(frozen=True)
class OwnerMove:
    """The owner put a category label on a thread the assistant had classified otherwise."""

    thread_id: str
    category: str
    label_id: str
    message_id: str


@dataclass(frozen=True)
class PlannedJob:
    job_type: str
    thread_id: str
    payload: dict[str, Any]


@dataclass
class SyncPlan:
    jobs: list[PlannedJob] = field(default_factory=list)
    own_keys: set[OwnWriteKey] = field(default_factory=set)  # records to consume
    owner_moves: list[OwnerMove] = field(default_factory=list)  # corrections, no jobs

    def job(self, job_type: str, thread_id: str) -> PlannedJob | None:
        for job in self.jobs:
            if job.job_type == job_type and job.thread_id == thread_id:
                return job
        return None


def plan_jobs(
    records: Iterable[HistoryRecord],
    *,
    labels: LabelMap,
    threads: Mapping[str, ThreadState],
    own: Iterable[OwnWriteKey],
) -> SyncPlan:
    own_keys = set(own)
    plan = SyncPlan()
    # (type, thread) → payload; insertion order kept so jobs come out in history order.
    planned: dict[tuple[str, str], dict[str, Any]] = {}
    label_jobs = {labels[key]: job for key, job in LABEL_JOBS.items() if labels.get(key)}
    move_labels = {labels[key]: key for key in OWNER_MOVE_KEYS if labels.get(key)}
    moves: dict[str, OwnerMove] = {}  # thread → the last category label the owner added

    def own_change(thread_id: str, label_id: str | None, action: str) -> bool:
        key = OwnWriteKey(thread_id, label_id, action)
        if key in own_keys:
            plan.own_keys.add(key)
            return True
        return False

    owner_wrote: set[str] = set()  # threads with a message of the owner in this batch
    for record in sorted(records, key=lambda r: r.id):
        for message in record.messages_added:
            label_ids = set(message.label_ids)
            thread = threads.get(message.thread_id)
            if "DRAFT" in label_ids:
                continue
            if "SENT" in label_ids:
                if thread is not None and thread.status in DRAFT_STATUSES:
                    _check_sent(planned, message.thread_id)
                owner_wrote.add(message.thread_id)
                continue
            if "INBOX" not in label_ids:
                continue
            payload: dict[str, Any] = {"message_id": message.id}
            if thread is not None:
                payload["retriage"] = True
            planned[(names.CLASSIFY, message.thread_id)] = payload
        for message in record.messages_deleted:
            thread = threads.get(message.thread_id)
            if thread is None or not thread.draft_id or thread.status not in DRAFT_STATUSES:
                continue
            if own_change(message.thread_id, None, DRAFT_REMOVE):
                continue
            _check_sent(planned, message.thread_id)
        for change in record.labels_removed:
            # The draft message itself turned into the sent one (a send, told as relabel).
            if "DRAFT" in change.label_ids and _drafted(threads, change.thread_id):
                _check_sent(planned, change.thread_id)
        for change in record.labels_added:
            if "SENT" in change.label_ids:
                if _drafted(threads, change.thread_id):
                    _check_sent(planned, change.thread_id)
                owner_wrote.add(change.thread_id)
            for label_id in change.label_ids:
                if own_change(change.thread_id, label_id, LABEL_ADD):
                    continue
                if label_id in move_labels:
                    moves[change.thread_id] = OwnerMove(
                        change.thread_id, move_labels[label_id], label_id, change.message_id
                    )
                job_type = label_jobs.get(label_id)
                if job_type == names.CLEANUP:
                    planned[(names.CLEANUP, change.thread_id)] = {
                        "action": "done",
                        "message_id": change.message_id,
                    }
                elif job_type is not None:
                    planned.setdefault(
                        (job_type, change.thread_id), {"message_id": change.message_id}
                    )
    for (job_type, thread_id), payload in planned.items():
        if job_type == names.CLASSIFY and thread_id in owner_wrote:
            # The classifier must read the whole thread to see who wrote last.
            payload["owner_replied"] = True
    plan.jobs = [PlannedJob(t, thread, payload) for (t, thread), payload in planned.items()]
    plan.owner_moves = [
        move
        for move in moves.values()
        if (state := threads.get(move.thread_id)) is not None
        and state.classification is not None
        and state.classification != move.category
    ]
    return plan


def _check_sent(planned: dict[tuple[str, str], dict[str, Any]], thread_id: str) -> None:
    # cleanup(done) already planned for the thread does more than check_sent would.
    planned.setdefault((names.CLEANUP, thread_id), {"action": "check_sent"})


def _drafted(threads: Mapping[str, ThreadState], thread_id: str) -> bool:
    thread = threads.get(thread_id)
    return thread is not None and thread.status in DRAFT_STATUSES
