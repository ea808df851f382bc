"""Sync through the real Gmail client against the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sync_support import OWNER, add_email, control, deliver, job_rows, owner_labels, sync_state

from gmail_assistant.db.models import Email, EmailEvent, OwnWrite
from gmail_assistant.gmail.compose import build_reply
from gmail_assistant.gmail.models import MailAddress
from gmail_assistant.jobs import names
from gmail_assistant.sync.rules import watched_label_ids

pytestmark = pytest.mark.anyio


async def own_write_count(env: Any) -> int:
    async with env.container.database.read() as session:
        return int((await session.execute(select(func.count()).select_from(OwnWrite))).scalar())


async def owner_moves(env: Any) -> list[tuple[str, str | None]]:
    """(thread, detail) of every owner_reclassified event, in order."""
    async with env.container.database.read() as session:
        rows = await session.execute(
            select(EmailEvent.thread_id, EmailEvent.detail)
            .where(EmailEvent.event_type == "owner_reclassified")
            .order_by(EmailEvent.id)
        )
        return [(thread, detail) for thread, detail in rows]


async def draft_raw(env: Any, thread_id: str) -> str:
    last = (await env.gmail().get_thread(thread_id)).messages[-1]
    return build_reply(
        to=[MailAddress(last.sender_email)],
        subject=last.subject,
        body="Sure, Tuesday works.",
        in_reply_to=last.message_id,
        references=last.references,
        from_addr=MailAddress(OWNER),
    )


async def test_three_messages_in_one_thread_give_one_classify_job(env: Any) -> None:
    first = deliver(env.url, subject="Plan")
    second = deliver(env.url, subject="Re: Plan", thread_id=first["threadId"])
    third = deliver(env.url, subject="Re: Plan", thread_id=first["threadId"])
    other = deliver(env.url, subject="Something else")

    result = await env.sync()

    jobs = await job_rows(env.container, job_type=names.CLASSIFY)
    by_thread = {job.thread_id: job for job in jobs}
    assert len(jobs) == 2 and result.mode == "incremental"
    assert by_thread[first["threadId"]].payload == {"message_id": third["id"]}
    assert by_thread[other["threadId"]].payload == {"message_id": other["id"]}
    assert second["id"] not in {job.payload["message_id"] for job in jobs}


async def test_new_mail_on_a_known_thread_is_a_retriage(env: Any) -> None:
    first = deliver(env.url)
    await env.sync()
    await add_email(env.container, env.user_id, first["threadId"], classification="waiting")
    for job in await job_rows(env.container):
        await _finish(env, job.id)
    reply = deliver(env.url, subject="Re: Hello", thread_id=first["threadId"])

    await env.sync()

    jobs = [
        j for j in await job_rows(env.container, job_type=names.CLASSIFY) if j.status == "pending"
    ]
    assert [j.payload for j in jobs] == [{"message_id": reply["id"], "retriage": True}]


async def test_the_assistants_label_changes_and_drafts_make_no_jobs(env: Any) -> None:
    mail = deliver(env.url)
    thread_id = mail["threadId"]
    await env.sync()
    await _clear_jobs(env)
    await add_email(env.container, env.user_id, thread_id, status="pending")
    labels = await env.labels()
    writer = env.components.own_writes.writer(user_id=env.user_id, gmail=env.gmail())

    # What the classifier and the draft flow do, through the writer.
    await writer.modify_thread(thread_id, add=[labels["needs_response"]])
    draft = await writer.create_draft(thread_id, await draft_raw(env, thread_id))
    await writer.modify_thread(thread_id, add=[labels["outbox"]], remove=[labels["needs_response"]])
    await _set_email(env, thread_id, status="drafted", draft_id=draft.id)
    draft = await writer.update_draft(draft.id, thread_id, await draft_raw(env, thread_id))
    await writer.modify_message(mail["id"], thread_id=thread_id, add=[labels["needs_response"]])
    await writer.delete_draft(draft.id, thread_id=thread_id)

    result = await env.sync()

    assert result.jobs == ()
    assert await job_rows(env.container) == []
    assert await own_write_count(env) == 0  # every record was matched and consumed


async def test_after_its_own_write_is_consumed_the_owners_same_change_counts(env: Any) -> None:
    mail = deliver(env.url)
    thread_id = mail["threadId"]
    await env.sync()
    await _clear_jobs(env)
    labels = await env.labels()
    writer = env.components.own_writes.writer(user_id=env.user_id, gmail=env.gmail())
    await writer.modify_thread(thread_id, add=[labels["needs_response"]])
    await env.sync()
    assert await job_rows(env.container) == []

    owner_labels(env.url, thread_id=thread_id, remove=(labels["needs_response"],))
    owner_labels(env.url, thread_id=thread_id, add=(labels["needs_response"],))
    await env.sync()

    jobs = await job_rows(env.container)
    assert [(j.job_type, j.thread_id, j.payload) for j in jobs] == [
        (names.MANUAL_DRAFT, thread_id, {"message_id": mail["id"]})
    ]


async def test_a_failed_gmail_call_withdraws_the_own_write_record(env: Any) -> None:
    mail = deliver(env.url)
    writer = env.components.own_writes.writer(user_id=env.user_id, gmail=env.gmail())
    with pytest.raises(Exception):  # noqa: B017 - the adapter's error, whatever its type
        await writer.modify_thread(mail["threadId"], add=["Label_does_not_exist"])
    assert await own_write_count(env) == 0


async def test_owner_labels_make_one_job_each_per_thread(env: Any) -> None:
    done = deliver(env.url, subject="done thread")
    deliver(env.url, subject="Re: done thread", thread_id=done["threadId"])
    rework = deliver(env.url, subject="rework thread")
    manual = deliver(env.url, subject="manual thread")
    await env.sync()
    await _clear_jobs(env)
    labels = await env.labels()

    # Whole threads (Done lands on both messages) and single messages, twice over.
    owner_labels(env.url, thread_id=done["threadId"], add=(labels["done"],))
    owner_labels(env.url, message_id=rework["id"], add=(labels["rework"],))
    owner_labels(env.url, message_id=manual["id"], add=(labels["needs_response"],))
    owner_labels(env.url, message_id=manual["id"], add=("STARRED",))
    await env.sync()

    jobs = {(j.job_type, j.thread_id): j.payload for j in await job_rows(env.container)}
    assert jobs == {
        (names.CLEANUP, done["threadId"]): {
            "action": "done",
            "message_id": jobs[(names.CLEANUP, done["threadId"])]["message_id"],
        },
        (names.REWORK, rework["threadId"]): {"message_id": rework["id"]},
        (names.MANUAL_DRAFT, manual["threadId"]): {"message_id": manual["id"]},
    }


@pytest.mark.parametrize("send_mode", ["replace", "relabel"])
async def test_a_deleted_or_sent_draft_makes_a_check_sent_job(env: Any, send_mode: str) -> None:
    deleted = deliver(env.url, subject="to be discarded")
    sent = deliver(env.url, subject="to be sent")
    await env.sync()
    await _clear_jobs(env)
    writer = env.components.own_writes.writer(user_id=env.user_id, gmail=env.gmail())
    drafts = {}
    for mail in (deleted, sent):
        thread_id = mail["threadId"]
        drafts[thread_id] = await writer.create_draft(thread_id, await draft_raw(env, thread_id))
        await add_email(
            env.container, env.user_id, thread_id, status="drafted", draft_id=drafts[thread_id].id
        )
    assert (await env.sync()).jobs == ()

    # The owner discards one draft in their client and sends the other.
    assert await env.gmail().delete_draft(drafts[deleted["threadId"]].id)
    # Gmail shows a send either as delete + new SENT message, or as DRAFT → SENT on the
    # same message (`send_mode`); both must end in one check_sent.
    sent_id = drafts[sent["threadId"]].id
    control(env.url, "POST", f"/users/{OWNER}/drafts/{sent_id}/send", {"mode": send_mode})
    await env.sync()

    jobs = {(j.job_type, j.thread_id): j.payload for j in await job_rows(env.container)}
    assert jobs == {
        (names.CLEANUP, deleted["threadId"]): {"action": "check_sent"},
        (names.CLEANUP, sent["threadId"]): {"action": "check_sent"},
    }


async def test_stale_history_runs_a_full_sync_that_skips_known_threads(env: Any) -> None:
    known = deliver(env.url, subject="already triaged")
    queued = deliver(env.url, subject="already queued")
    await env.sync()
    await add_email(env.container, env.user_id, known["threadId"])
    for job in await job_rows(env.container):
        if job.thread_id == known["threadId"]:
            await _finish(env, job.id)
    labelled = deliver(env.url, subject="labelled by the assistant")
    labels = await env.labels()
    owner_labels(env.url, message_id=labelled["id"], add=(labels["fyi"],))
    new = deliver(env.url, subject="new one")
    newer = deliver(env.url, subject="Re: new one", thread_id=new["threadId"])
    old = deliver(
        env.url,
        subject="old",
        date="Mon, 1 Jan 2018 10:00:00 +0000",
        received_at="Mon, 1 Jan 2018 10:00:00 +0000",  # newer_than reads the receive time
    )
    archived = deliver(env.url, subject="archived", label_ids=["UNREAD"])
    expired_at = int(control(env.url, "POST", f"/users/{OWNER}/history/expire")["historyId"])

    result = await env.sync()

    assert result.mode == "full" and result.reason == "history expired"
    pending = [
        j for j in await job_rows(env.container, job_type=names.CLASSIFY) if j.status == "pending"
    ]
    threads = {j.thread_id: j.payload for j in pending}
    assert threads == {
        queued["threadId"]: {"message_id": queued["id"]},  # the job already waiting, not a new one
        new["threadId"]: {"message_id": newer["id"], "full_sync": True},
    }
    assert len(pending) == 2
    assert old["threadId"] not in threads and archived["threadId"] not in threads
    state = await sync_state(env.container, env.user_id)
    assert state is not None and int(state.last_history_id or 0) == expired_at
    assert state.last_full_sync_at is not None


async def test_the_cursor_only_moves_forward(env: Any) -> None:
    deliver(env.url)
    before = int((await sync_state(env.container, env.user_id)).last_history_id)
    await env.sync()
    after = int((await sync_state(env.container, env.user_id)).last_history_id)
    assert after > before

    # Another replica already went further (stored as text: "9" < "10" must not fool us).
    ahead = after * 10
    await _set_cursor(env, str(ahead))
    deliver(env.url)
    result = await env.sync()
    assert result.history_id == ahead
    assert (await sync_state(env.container, env.user_id)).last_history_id == str(ahead)


async def test_a_sync_job_on_the_queue_runs_the_handler(env: Any) -> None:
    mail = deliver(env.url)
    await env.container.queue.enqueue(names.SYNC, user_id=env.user_id, payload={"full": False})
    job = await env.container.queue.claim("test-worker")
    assert job is not None and job.job_type == names.SYNC
    spec = env.container.registry.require(names.SYNC)
    assert spec.scope == "user"
    await spec.handler(job)
    jobs = await job_rows(env.container, job_type=names.CLASSIFY)
    assert [j.thread_id for j in jobs] == [mail["threadId"]]


async def _set_cursor(env: Any, value: str) -> None:
    from gmail_assistant.db.models import SyncState

    async with env.container.database.transaction() as session:
        state = await session.get(SyncState, env.user_id)
        state.last_history_id = value


async def _set_email(env: Any, thread_id: str, **values: Any) -> None:
    from sqlalchemy import update

    from gmail_assistant.db.models import Email

    async with env.container.database.transaction() as session:
        await session.execute(
            update(Email).where(Email.gmail_thread_id == thread_id).values(**values)
        )


async def _finish(env: Any, job_id: int) -> None:
    from sqlalchemy import update

    from gmail_assistant.db.models import Job

    async with env.container.database.transaction() as session:
        await session.execute(update(Job).where(Job.id == job_id).values(status="completed"))


async def _clear_jobs(env: Any) -> None:
    from sqlalchemy import delete

    from gmail_assistant.db.models import Job

    async with env.container.database.transaction() as session:
        await session.execute(delete(Job))


async def test_only_label_additions_that_sync_acts_on_are_recorded(env: Any) -> None:
    mail = deliver(env.url)
    thread_id = mail["threadId"]
    await env.sync()
    await _clear_jobs(env)
    labels = await env.labels()
    watched = watched_label_ids(labels)
    orders = {labels["done"], labels["rework"], labels["needs_response"]}
    moves = {labels[k] for k in ("action_required", "payment_request", "fyi", "waiting")}
    assert watched == orders | moves
    writer = env.components.own_writes.writer(
        user_id=env.user_id, gmail=env.gmail(), watched=watched
    )

    # Outbox in, Needs Response out: nothing sync would act on, so no record is written.
    await writer.modify_thread(thread_id, add=[labels["outbox"]])
    await writer.modify_thread(thread_id, remove=[labels["outbox"]])
    assert await own_write_count(env) == 0
    # Needs Response in: the owner doing the same would ask for a draft, so it is recorded;
    # FYI too: the owner adding it would be a correction.
    await writer.modify_thread(thread_id, add=[labels["needs_response"], labels["fyi"]])
    assert await own_write_count(env) == 2

    result = await env.sync()

    assert result.jobs == ()
    assert await own_write_count(env) == 0
    assert await owner_moves(env) == []


async def test_owner_moves_to_another_category_label_are_events_not_jobs(env: Any) -> None:
    moved = deliver(env.url, subject="a question")
    ours = deliver(env.url, subject="a notice")
    twice = deliver(env.url, subject="a thread")
    deliver(env.url, subject="Re: a thread", thread_id=twice["threadId"])
    await env.sync()
    await _clear_jobs(env)
    labels = await env.labels()
    await add_email(env.container, env.user_id, moved["threadId"])  # needs_response, pending
    for mail in (ours, twice):
        await add_email(
            env.container, env.user_id, mail["threadId"], classification="fyi", status="skipped"
        )
    writer = env.components.own_writes.writer(
        user_id=env.user_id, gmail=env.gmail(), watched=watched_label_ids(labels)
    )

    # The assistant's own move (a payment alert, say) never counts; the owner's do, once per
    # thread (the last label added wins) and only when the category differs.
    await writer.modify_thread(ours["threadId"], add=[labels["action_required"]])
    owner_labels(
        env.url,
        thread_id=moved["threadId"],
        add=(labels["fyi"],),
        remove=(labels["needs_response"],),
    )
    owner_labels(env.url, thread_id=twice["threadId"], add=(labels["waiting"],))
    owner_labels(env.url, thread_id=twice["threadId"], add=(labels["action_required"],))
    owner_labels(env.url, thread_id=ours["threadId"], add=(labels["fyi"],))
    result = await env.sync()

    assert result.jobs == ()
    assert await job_rows(env.container) == []
    assert await owner_moves(env) == [
        (moved["threadId"], "owner moved the thread to fyi (was needs_response)"),
        (twice["threadId"], "owner moved the thread to action_required (was fyi)"),
    ]
    async with env.container.database.read() as session:
        rows = await session.execute(
            select(Email.gmail_thread_id, Email.classification, Email.status)
        )
        states = {thread: (category, status) for thread, category, status in rows}
    assert states[moved["threadId"]] == ("fyi", "skipped")  # no draft any more
    assert states[twice["threadId"]] == ("action_required", "skipped")
    assert states[ours["threadId"]] == ("fyi", "skipped")
    assert await own_write_count(env) == 0

    await env.sync()  # nothing new: nothing more recorded
    assert len(await owner_moves(env)) == 2
