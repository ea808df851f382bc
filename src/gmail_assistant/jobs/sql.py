"""Every statement the queue runs, in one place, named, per backend where they differ.

The claim is one atomic statement on each backend: SQLite serialises writers, so a single
`UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING` cannot hand one job to two workers;
PostgreSQL gets the same shape with `FOR UPDATE SKIP LOCKED`, so concurrent claimers skip
each other's rows instead of queueing on them. A job whose `lock_key` matches a running job
waits, which keeps one sync per user and one job per thread running at a time.
"""

from __future__ import annotations

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.sql.elements import TextClause

from gmail_assistant.db.types import UtcDateTime

__all__ = ["Queries", "queries_for"]

_JOB_COLUMNS = (
    "id, job_type, user_id, thread_id, payload, attempts, max_attempts, created_at, lock_key"
)

_CANDIDATE = """
    SELECT j.id FROM jobs j
    WHERE j.status = 'pending' AND j.run_after <= :now
      AND (j.lock_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM jobs r WHERE r.lock_key = j.lock_key AND r.status = 'running'))
    ORDER BY j.run_after, j.id
    LIMIT 1
"""

_CLAIM = """
    UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = :worker,
                    lease_expires_at = :lease, started_at = :now
    WHERE id = ({candidate})
    RETURNING {columns}
"""

_INSERT = """
    INSERT INTO jobs (job_type, user_id, thread_id, payload, status, attempts, max_attempts,
                      run_after, dedup_key, lock_key, created_at)
    VALUES (:job_type, :user_id, :thread_id, :payload, 'pending', 0, :max_attempts,
            :run_after, :dedup_key, :lock_key, :now)
    ON CONFLICT (dedup_key) WHERE status = 'pending' {on_conflict}
    RETURNING id
"""


def _t(sql: str, *times: str, json: tuple[str, ...] = ()) -> TextClause:
    params = [bindparam(name, type_=UtcDateTime()) for name in times]
    params += [bindparam(name, type_=JSON()) for name in json]
    return text(sql).bindparams(*params)


class Queries:
    def __init__(self, backend: str) -> None:
        candidate = _CANDIDATE
        if backend == "postgresql":
            candidate += " FOR UPDATE OF j SKIP LOCKED"
        self.claim = _t(_CLAIM.format(candidate=candidate, columns=_JOB_COLUMNS), "now", "lease")
        self.enqueue = _t(
            _INSERT.format(on_conflict="DO NOTHING"), "now", "run_after", json=("payload",)
        )
        # A full sync asked for while an incremental one waits takes the waiting job over.
        self.enqueue_replacing = _t(
            _INSERT.format(on_conflict="DO UPDATE SET payload = excluded.payload"),
            "now",
            "run_after",
            json=("payload",),
        )
        self.pending_id_for_key = text(
            "SELECT id FROM jobs WHERE dedup_key = :dedup_key AND status = 'pending'"
        )
        self.complete = _t(
            """UPDATE jobs SET status = 'completed', finished_at = :now, lease_expires_at = NULL,
                              last_error = NULL
               WHERE id = :id AND status = 'running' AND locked_by = :worker""",
            "now",
        )
        self.fail = _t(
            """UPDATE jobs SET status = 'failed', finished_at = :now, lease_expires_at = NULL,
                              last_error = :error
               WHERE id = :id AND status = 'running' AND locked_by = :worker""",
            "now",
        )
        # Back to pending unless an identical job is already waiting; then this one is
        # superseded (the waiting job does the same work).
        self.retry = _t(
            """UPDATE jobs SET status = 'pending', run_after = :run_after, locked_by = NULL,
                              lease_expires_at = NULL, last_error = :error
               WHERE id = :id AND status = 'running' AND locked_by = :worker
                 AND (dedup_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM jobs p WHERE p.dedup_key = jobs.dedup_key
                        AND p.status = 'pending'))""",
            "run_after",
        )
        self.supersede = _t(
            """UPDATE jobs SET status = 'cancelled', finished_at = :now, lease_expires_at = NULL,
                              last_error = :error
               WHERE id = :id AND status = 'running' AND locked_by = :worker""",
            "now",
        )
        self.heartbeat = _t(
            """UPDATE jobs SET lease_expires_at = :lease
               WHERE status = 'running' AND locked_by = :worker""",
            "lease",
        )
        # Jobs whose worker vanished: give them back, or fail them when they have used all
        # their attempts (a mail that kills the process must not crash-loop it forever).
        self.recover_exhausted = _t(
            """UPDATE jobs SET status = 'failed', finished_at = :now, lease_expires_at = NULL,
                              last_error = 'worker lost (lease expired) on the last attempt'
               WHERE status = 'running' AND lease_expires_at < :now
                 AND attempts >= max_attempts""",
            "now",
        )
        self.recover = _t(
            """UPDATE jobs SET status = 'pending', locked_by = NULL, lease_expires_at = NULL,
                              run_after = :now,
                              last_error = 'worker lost (lease expired); job returned to queue'
               WHERE status = 'running' AND lease_expires_at < :now
                 AND (dedup_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM jobs p WHERE p.dedup_key = jobs.dedup_key
                        AND p.status = 'pending'))""",
            "now",
        )
        self.recover_superseded = _t(
            """UPDATE jobs SET status = 'cancelled', finished_at = :now, lease_expires_at = NULL,
                              last_error = 'worker lost; superseded by a pending duplicate'
               WHERE status = 'running' AND lease_expires_at < :now""",
            "now",
        )
        self.release_worker = _t(
            """UPDATE jobs SET status = 'pending', locked_by = NULL, lease_expires_at = NULL,
                              attempts = attempts - 1, run_after = :now
               WHERE id = :id AND status = 'running' AND locked_by = :worker
                 AND (dedup_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM jobs p WHERE p.dedup_key = jobs.dedup_key
                        AND p.status = 'pending'))""",
            "now",
        )
        self.purge = _t(
            """DELETE FROM jobs WHERE status IN ('completed', 'cancelled')
                 AND finished_at < :before""",
            "before",
        )
        self.next_run_after = text("SELECT MIN(run_after) FROM jobs WHERE status = 'pending'")
        self.counts = text("SELECT status, COUNT(*) FROM jobs GROUP BY status")
        self.notify = text("SELECT pg_notify(:channel, '')") if backend == "postgresql" else None


_CACHE: dict[str, Queries] = {}


def queries_for(backend: str) -> Queries:
    if backend not in _CACHE:
        _CACHE[backend] = Queries(backend)
    return _CACHE[backend]
