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
        # A user whose onboarding has not finished is left to it (no race for the cursor).
        await container.users.ensure("later@example.com")
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


def test_rules_a_draft_turned_sent_on_the_same_message_is_a_check_sent() -> None:
    labels = LabelMap.of({"done": "L_done", "rework": "L_rw", "needs_response": "L_nr"})
    threads = {
        "t1": ThreadState("drafted", "draft-1"),
        "t2": ThreadState("rework_requested", "draft-2"),
        "t3": ThreadState("drafted", "draft-3"),
        "t4": ThreadState("sent", None),
    }
    records = [
        # t1: both halves of the relabel, as two records
        HistoryRecord(10, labels_added=(LabelChange("m1", "t1", ("SENT",), ("SENT", "DRAFT")),)),
        HistoryRecord(13, labels_removed=(LabelChange("m1", "t1", ("DRAFT",), ("SENT",)),)),
        # t2: only the DRAFT removal shows; t3: only the SENT addition
        HistoryRecord(17, labels_removed=(LabelChange("m2", "t2", ("DRAFT",), ("SENT",)),)),
        HistoryRecord(19, labels_added=(LabelChange("m3", "t3", ("SENT",), ("SENT",)),)),
        # t4 is no longer drafted; t5 is unknown: nothing to check
        HistoryRecord(22, labels_added=(LabelChange("m4", "t4", ("SENT",), ("SENT",)),)),
        HistoryRecord(25, labels_removed=(LabelChange("m5", "t5", ("DRAFT",), ("SENT",)),)),
    ]
    plan = plan_jobs(records, labels=labels, threads=threads, own=[])
    assert [(j.job_type, j.thread_id, j.payload) for j in plan.jobs] == [
        (names.CLEANUP, "t1", {"action": "check_sent"}),
        (names.CLEANUP, "t2", {"action": "check_sent"}),
        (names.CLEANUP, "t3", {"action": "check_sent"}),
    ]
