"""After v2.3.0's database is upgraded, the same mailbox carries on (emulator, real client).

The fixture's Gmail ids come from another mailbox, so the test builds one in the emulator
and points a copy of the fixture at it: the drafted thread, its ✂️ draft, the labels, and
the history cursor.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sync_support import OWNER, control, deliver, job_rows, make_settings, owner_labels, started

from gmail_assistant.db.models import Email
from gmail_assistant.jobs import Job as QueuedJob
from gmail_assistant.labels import LABEL_NAMES
from gmail_emulator.drafts import create_draft

pytestmark = pytest.mark.anyio

FIXTURE = Path("/work/shared/fixtures/seed-v2.3.0/inbox.db")
V2_KEYS = {"ai": "parent"}


def v2_mailbox(emu: Any, path: Path) -> dict[str, str]:
    """A mailbox matching a copy of the fixture at `path`; returns the ids it used."""
    drafted = deliver(emu.url, subject="Offer", body="Could you send the offer?")
    skipped = deliver(emu.url, subject="Invoice", body="Invoice 42 attached.")
    with emu.state.locked(OWNER) as box:
        labels = {key: box.create_label({"name": name}).id for key, name in LABEL_NAMES.items()}
        raw = (
            f"To: alice@example.org\r\nSubject: Re: Offer\r\n"
            f"In-Reply-To: {drafted['messageId']}\r\nReferences: {drafted['messageId']}\r\n"
            "\r\n\r\n\u2702\ufe0f\r\n\r\nHere is the offer."
        ).encode()
        draft_id = create_draft(box, raw, drafted["threadId"])
        assert box.messages[box.drafts[draft_id]].thread_id == drafted["threadId"]
        cursor = str(box.history.current_id)
    shutil.copyfile(FIXTURE, path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE users SET email = ?", (OWNER,))
        for key, label_id in labels.items():
            conn.execute(
                "UPDATE user_labels SET gmail_label_id = ? WHERE label_key = ?",
                (label_id, V2_KEYS.get(key, key)),
            )
        conn.execute("UPDATE sync_state SET last_history_id = ?", (cursor,))
        for email_id, mail, draft in ((2, drafted, draft_id), (3, skipped, None)):
            conn.execute(
                "UPDATE emails SET gmail_thread_id = ?, gmail_message_id = ?, draft_id = ?"
                " WHERE id = ?",
                (mail["threadId"], mail["id"], draft, email_id),
            )
        conn.commit()
    return {
        "drafted": drafted["threadId"],
        "skipped": skipped["threadId"],
        "draft": draft_id,
        "done": labels["done"],
    }


async def run_jobs(container: Any, job_type: str) -> None:
    spec = container.registry.require(job_type)
    for row in await job_rows(container, job_type=job_type):
        if row.status == "pending":
            await spec.handler(
                QueuedJob(
                    id=row.id,
                    job_type=row.job_type,
                    user_id=row.user_id,
                    thread_id=row.thread_id,
                    payload=row.payload,
                )
            )


@pytest.mark.skipif(not FIXTURE.is_file(), reason=f"no v2.3.0 fixture at {FIXTURE}")
async def test_upgraded_mailbox_carries_on(emu: Any, tmp_path: Path) -> None:
    path = tmp_path / "inbox.db"
    ids = v2_mailbox(emu, path)
    settings = make_settings(tmp_path, emu.url, f"sqlite+aiosqlite:///{path}")
    async with started(settings) as (container, components):  # the upgrade runs here
        new = deliver(emu.url, subject="Lunch?", body="Lunch on Friday?")
        result = await components.sync.run(1)
        # From the cursor: only the new mail, nothing v2.3.0 already handled.
        assert result is not None and result.mode == "incremental"
        assert [(j.job_type, j.thread_id) for j in result.jobs] == [("classify", new["threadId"])]
        full = await components.sync.run(1, full=True)
        assert full is not None
        assert {j.thread_id for j in full.jobs} <= {new["threadId"]}

        # The owner sends v2.3.0's draft: sent detection finds it by the carried draft id.
        control(emu.url, "POST", f"/users/{OWNER}/drafts/{ids['draft']}/send")
        await components.sync.run(1)
        await run_jobs(container, "cleanup")
        # The owner marks v2.3.0's skipped thread Done: archived.
        owner_labels(emu.url, thread_id=ids["skipped"], add=(ids["done"],))
        await components.sync.run(1)
        await run_jobs(container, "cleanup")

        async with container.database.read() as session:
            status = dict(
                (await session.execute(select(Email.gmail_thread_id, Email.status))).all()
            )
        assert status[ids["drafted"]] == "sent"
        assert status[ids["skipped"]] == "archived"
        thread = emu.state.mailbox(OWNER).thread(ids["skipped"])
        assert all("INBOX" not in m.label_ids for m in thread)
