"""`Database.run_read` / `run_write` on real SQLite and PostgreSQL: commit, rollback, one writer.

On SQLite these run in the database's own threads over the stdlib driver, beside the async
engine and the queue's connector on the same file; what one path commits, the others see.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dbfixtures import migrated_database
from gmail_assistant.db.models import Email, User

pytestmark = pytest.mark.anyio


def _add_user(session: Session, email: str) -> int:
    user = User(email=email)
    session.add(user)
    session.flush()
    return user.id


def _users(session: Session) -> list[str]:
    return list(session.scalars(select(User.email).order_by(User.email)))


async def test_a_unit_commits_and_every_path_sees_it(db_url: str) -> None:
    async with migrated_database(db_url) as db:
        user_id = await db.run_write(lambda s: _add_user(s, "owner@example.com"))
        assert await db.run_read(_users) == ["owner@example.com"]
        async with db.read() as session:  # the async engine sees the unit's commit
            assert (await session.get(User, user_id)) is not None
        # Objects come back detached but loaded: callers read their columns freely.
        user = await db.run_read(lambda s: s.get(User, user_id))
        assert user is not None and user.email == "owner@example.com"


async def test_a_failing_unit_leaves_nothing(db_url: str) -> None:
    async with migrated_database(db_url) as db:

        def half_done(session: Session) -> None:
            _add_user(session, "first@example.com")
            raise ValueError("the second half failed")

        with pytest.raises(ValueError, match="second half"):
            await db.run_write(half_done)
        assert await db.run_read(_users) == []
        # The writer is free again after the failure.
        await db.run_write(lambda s: _add_user(s, "next@example.com"))
        assert await db.run_read(_users) == ["next@example.com"]


async def test_concurrent_units_each_commit_once(db_url: str) -> None:
    """Read-modify-write units racing on one row: none loses another's increment."""
    async with migrated_database(db_url) as db:
        user_id = await db.run_write(lambda s: _add_user(s, "owner@example.com"))

        def create(session: Session) -> int:
            email = Email(user_id=user_id, gmail_thread_id="t1", gmail_message_id="m1")
            email.rework_count = 0
            session.add(email)
            session.flush()
            return email.id

        email_id = await db.run_write(create)
        seen_threads: set[str] = set()

        def bump(session: Session) -> None:
            seen_threads.add(threading.current_thread().name)
            row = session.get(Email, email_id, with_for_update=True)
            assert row is not None
            row.rework_count += 1

        await asyncio.gather(*(db.run_write(bump) for _ in range(40)))
        count = await db.run_read(lambda s: s.scalar(select(Email.rework_count)))
        assert count == 40
        emails = await db.run_read(lambda s: s.scalar(select(func.count()).select_from(Email)))
        assert emails == 1
        if db.is_sqlite:
            assert seen_threads and all(n.startswith("sqlite-write") for n in seen_threads)
