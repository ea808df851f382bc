"""Every statement the queue runs, in one place, named, rendered per backend.

The claim is one atomic statement on each backend: SQLite serialises writers, so a single
`UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING` cannot hand one job to two workers;
PostgreSQL gets the same shape with `FOR UPDATE SKIP LOCKED`, so concurrent claimers skip
each other's rows instead of queueing on them. A job whose `lock_key` matches a running job
waits, which keeps one sync per user and one job per thread running at a time.

Statements are written once with `:name` parameters. sqlite3 takes them as they are; for
asyncpg they are rendered to `$1…$n` with the names kept in order. Timestamps are bound as
naive UTC (text `YYYY-MM-DD HH:MM:SS.ffffff` on SQLite, as SQLAlchemy writes them) and
`payload` as a JSON string; the connectors do that conversion.
"""

from __future__ import annotations

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.sql.elements import TextClause

from gmail_assistant.db.connector import Query
from gmail_assistant.db.types import UtcDateTime

__all__ = ["QUERIES", "Queries", "TransactionStatements", "statements_for"]

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
_KEEP = "DO NOTHING"
# A full sync asked for while an incremental one waits takes the waiting job over.
_REPLACE = "DO UPDATE SET payload = excluded.payload"
_PENDING_ID = "SELECT id FROM jobs WHERE dedup_key = :dedup_key AND status = 'pending'"
_NOT_SUPERSEDED = """(dedup_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM jobs p WHERE p.dedup_key = jobs.dedup_key
                        AND p.status = 'pending'))"""


class Queries:
    """The queue's statements (see the module docstring for the parameter conventions)."""

    def __init__(self) -> None:
        self.claim = Query.build(
            "claim",
            _CLAIM.format(candidate=_CANDIDATE, columns=_JOB_COLUMNS),
            postgresql=_CLAIM.format(
                candidate=_CANDIDATE + " FOR UPDATE OF j SKIP LOCKED", columns=_JOB_COLUMNS
            ),
        )
        self.enqueue = Query.build("enqueue", _INSERT.format(on_conflict=_KEEP))
        self.enqueue_replacing = Query.build(
            "enqueue_replacing", _INSERT.format(on_conflict=_REPLACE)
        )
        self.pending_id_for_key = Query.build("pending_id_for_key", _PENDING_ID)
        self.complete = Query.build(
            "complete",
            """UPDATE jobs SET status = 'completed', finished_at = :now, lease_expires_at = NULL,
                              last_error = NULL
               WHERE id = :id AND status = 'running' AND locked_by = :worker""",
        )
        self.fail = Query.build(
            "fail",
            """UPDATE jobs SET status = 'failed', finished_at = :now, lease_expires_at = NULL,
                              last_error = :error
               WHERE id = :id AND status = 'running' AND locked_by = :worker""",
        )
        # Back to pending unless an identical job is already waiting; then this one is
        # superseded (the waiting job does the same work).
        self.retry = Query.build(
            "retry",
            f"""UPDATE jobs SET status = 'pending', run_after = :run_after, locked_by = NULL,
                              lease_expires_at = NULL, last_error = :error
               WHERE id = :id AND status = 'running' AND locked_by = :worker
                 AND {_NOT_SUPERSEDED}""",
        )
        self.supersede = Query.build(
            "supersede",
            """UPDATE jobs SET status = 'cancelled', finished_at = :now, lease_expires_at = NULL,
                              last_error = :error
               WHERE id = :id AND status = 'running' AND locked_by = :worker""",
        )
        self.heartbeat = Query.build(
            "heartbeat",
            """UPDATE jobs SET lease_expires_at = :lease
               WHERE status = 'running' AND locked_by = :worker""",
        )
        # Jobs whose worker vanished: give them back, or fail them when they have used all
        # their attempts (a mail that kills the process must not crash-loop it forever).
        self.recover_exhausted = Query.build(
            "recover_exhausted",
            """UPDATE jobs SET status = 'failed', finished_at = :now, lease_expires_at = NULL,
                              last_error = 'worker lost (lease expired) on the last attempt'
               WHERE status = 'running' AND lease_expires_at < :now
                 AND attempts >= max_attempts""",
        )
        self.recover = Query.build(
            "recover",
            f"""UPDATE jobs SET status = 'pending', locked_by = NULL, lease_expires_at = NULL,
                              run_after = :now,
                              last_error = 'worker lost (lease expired); job returned to queue'
               WHERE status = 'running' AND lease_expires_at < :now
                 AND {_NOT_SUPERSEDED}""",
        )
        self.recover_superseded = Query.build(
            "recover_superseded",
            """UPDATE jobs SET status = 'cancelled', finished_at = :now, lease_expires_at = NULL,
                              last_error = 'worker lost; superseded by a pending duplicate'
               WHERE status = 'running' AND lease_expires_at < :now""",
        )
        self.release_worker = Query.build(
            "release_worker",
            f"""UPDATE jobs SET status = 'pending', locked_by = NULL, lease_expires_at = NULL,
                              attempts = attempts - 1, run_after = :now
               WHERE id = :id AND status = 'running' AND locked_by = :worker
                 AND {_NOT_SUPERSEDED}""",
        )
        self.purge = Query.build(
            "purge",
            """DELETE FROM jobs WHERE status IN ('completed', 'cancelled')
                 AND finished_at < :before""",
        )
        self.next_run_after = Query.build(
            "next_run_after", "SELECT MIN(run_after) AS due FROM jobs WHERE status = 'pending'"
        )
        self.counts = Query.build(
            "counts", "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status"
        )
        # PostgreSQL only: wakes LISTENing replicas when the transaction commits.
        self.notify = Query.build("notify", "SELECT pg_notify(:channel, :message)")


class TransactionStatements:
    """The enqueue statements as SQLAlchemy text, for a caller's own transaction.

    Sync inserts jobs and moves its history cursor in one transaction on the app's
    connection (`jobs.in_transaction`); it runs the very same SQL as the queue's connector.
    """

    def __init__(self, backend: str) -> None:
        def bind(sql: str) -> TextClause:
            return text(sql).bindparams(
                bindparam("now", type_=UtcDateTime()),
                bindparam("run_after", type_=UtcDateTime()),
                bindparam("payload", type_=JSON()),
            )

        self.enqueue = bind(_INSERT.format(on_conflict=_KEEP))
        self.enqueue_replacing = bind(_INSERT.format(on_conflict=_REPLACE))
        self.pending_id_for_key = text(_PENDING_ID)
        self.notify = text("SELECT pg_notify(:channel, '')") if backend == "postgresql" else None


# One set serves both backends: each `Query` carries both texts.
QUERIES = Queries()
_STATEMENTS: dict[str, TransactionStatements] = {}


def statements_for(backend: str) -> TransactionStatements:
    if backend not in _STATEMENTS:
        _STATEMENTS[backend] = TransactionStatements(backend)
    return _STATEMENTS[backend]
