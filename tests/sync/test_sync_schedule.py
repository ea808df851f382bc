"""The periodic tasks install_sync adds: fallback sync, full sync, watch renewal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sync_support import OWNER, control, job_rows, make_settings, started

from gmail_assistant.gmail.models import HistoryMessage, HistoryRecord, LabelChange
from gmail_assistant.jobs import names
from gmail_assistant.labels import LabelMap
from gmail_assistant.sync.own_writes import LABEL_ADD, OwnWriteKey
from gmail_assistant.sync.rules import ThreadState, plan_jobs

pytestmark = pytest.mark.anyio


async def test_periodic_tasks_enqueue_syncs_and_renew_the_watch(emu: Any, tmp_path: Path) -> None:
    topic = "projects/p/topics/gmail"
    settings = make_settings(
        tmp_path,
        emu.url,
        f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
        sync={"pubsub_topic": topic, "watch_renewal_hours": 12},
    )
    async with started(settings) as (container, components):
        user_id = (await components.onboarding.run(OWNER)).user_id
        emu.state.mailbox(OWNER).watch = None  # as if it had expired
        tasks = {task.name: task for task in container.periodic}
        assert {"sync_fallback", "sync_full", "watch_renewal"} <= set(tasks)
        assert tasks["watch_renewal"].interval.total_seconds() == 12 * 3600

        await tasks["sync_fallback"].run()
        await tasks["sync_fallback"].run()
        jobs = await job_rows(container, job_type=names.SYNC)
        assert [(j.user_id, j.payload) for j in jobs] == [(user_id, {"full": False})]

        await tasks["sync_full"].run()  # takes the waiting incremental sync over
        jobs = await job_rows(container, job_type=names.SYNC)
        assert [(j.user_id, j.payload) for j in jobs] == [(user_id, {"full": True})]

        renewed = await tasks["watch_renewal"].run()
    assert [status.user_id for status in renewed] == [user_id]
    state = control(emu.url, "GET", f"/state?email={OWNER}")
    assert state["mailboxes"][OWNER]["watch"]["topicName"] == topic


def test_rules_one_cleanup_per_thread_done_wins_and_own_changes_are_reported() -> None:
    labels = LabelMap.of({"done": "L_done", "rework": "L_rw", "needs_response": "L_nr"})
    records = [
        HistoryRecord(1, messages_deleted=(HistoryMessage("d1", "t1", ("DRAFT",)),)),
        HistoryRecord(2, labels_added=(LabelChange("m1", "t1", ("L_done",), ()),)),
        HistoryRecord(3, labels_added=(LabelChange("m2", "t2", ("L_nr",), ()),)),
        HistoryRecord(4, messages_added=(HistoryMessage("dr", "t3", ("DRAFT",)),)),
    ]
    plan = plan_jobs(
        records,
        labels=labels,
        threads={"t1": ThreadState("drafted", "draft-1")},
        own=[OwnWriteKey("t2", "L_nr", LABEL_ADD)],
    )
    assert [(j.job_type, j.thread_id, j.payload) for j in plan.jobs] == [
        (names.CLEANUP, "t1", {"action": "done", "message_id": "m1"})
    ]
    assert plan.own_keys == {OwnWriteKey("t2", "L_nr", LABEL_ADD)}
