"""GmailClient through the real googleapiclient, over HTTP, against the Gmail emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from gmail_doubles import OWNER, CallLog

from gmail_assistant.gmail import client as client_module
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.client import GmailClient
from gmail_assistant.gmail.compose import build_reply
from gmail_assistant.gmail.errors import GmailBadRequest, GmailHistoryExpired, GmailNotFound
from gmail_assistant.gmail.models import Label, MailAddress

AI_LABELS = [
    "🤖 AI",
    "🤖 AI/Needs Response",
    "🤖 AI/Outbox",
    "🤖 AI/Rework",
    "🤖 AI/Action Required",
    "🤖 AI/Payment Requests",
    "🤖 AI/FYI",
    "🤖 AI/Waiting",
    "🤖 AI/Done",
]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def deliver(emu: Any, **fields: Any) -> Any:
    fields.setdefault("sender", "Jana Nováková <jana@example.cz>")
    fields.setdefault("subject", "Schůzka v úterý")
    fields.setdefault("body", "Dobrý den, můžeme se sejít v úterý?")
    return emu.deliver(OWNER, **fields)


def test_client_implements_the_protocol_and_cannot_send_or_delete_mail(
    client: GmailClient,
) -> None:
    assert isinstance(client, GmailApi)
    public = {name for name in dir(GmailClient) if not name.startswith("_")}
    forbidden = {n for n in public if any(w in n for w in ("send", "trash", "import", "insert"))}
    assert forbidden == set()
    assert {n for n in public if "delete" in n} == {"delete_draft"}


def test_profile_and_watch(emu: Any, client: GmailClient) -> None:
    deliver(emu)
    profile = run(client.get_profile())
    assert profile.email == OWNER and profile.messages_total == 1 and profile.history_id > 0
    history_id, expiration = run(client.watch("projects/p/topics/gmail", ["INBOX"]))
    assert history_id == profile.history_id
    assert expiration > datetime.now(UTC)
    run(client.stop_watch())
    assert emu.calls()["calls"]["watch"] == 1 and emu.calls()["calls"]["stop"] == 1


def test_ensure_labels_is_idempotent(emu: Any, client: GmailClient, call_log: CallLog) -> None:
    first = run(client.ensure_labels(AI_LABELS))
    assert list(first) == AI_LABELS and len(set(first.values())) == 9
    creates = len(call_log.statuses("labels.create"))
    assert creates == 9
    second = run(client.ensure_labels(AI_LABELS))
    assert second == first
    assert len(call_log.statuses("labels.create")) == creates  # nothing created again
    names = {label.name: label for label in run(client.list_labels())}
    assert names["🤖 AI/Done"].type == "user" and names["INBOX"].type == "system"


def test_ensure_labels_takes_a_label_created_meanwhile(
    make_client: Callable[..., GmailClient], call_log: CallLog
) -> None:
    class StaleFirstListing(GmailClient):
        """Its first labels.list misses what another job creates right after."""

        stale = True

        async def list_labels(self) -> list[Label]:
            if self.stale:
                self.stale = False
                await other.create_label("🤖 AI/Done")
                return []
            return await super().list_labels()

    other = make_client()
    racer = make_client()
    racer.__class__ = StaleFirstListing
    ids = run(racer.ensure_labels(["🤖 AI/Done"]))
    assert ids["🤖 AI/Done"] == run(other.ensure_labels(["🤖 AI/Done"]))["🤖 AI/Done"]
    assert 409 in call_log.statuses("labels.create")


def test_list_message_ids_pages_through_everything(
    emu: Any, client: GmailClient, call_log: CallLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivered = {deliver(emu, subject=f"m{i}").id for i in range(7)}
    deliver(emu, subject="other", label_ids=["SENT"])
    monkeypatch.setattr(client_module, "_PAGE_SIZE", 3)
    found = run(client.list_message_ids("in:inbox"))
    assert {message_id for message_id, _ in found} == delivered
    assert len(call_log.statuses("messages.list")) == 3
    assert len(run(client.list_message_ids("in:inbox", max_results=4))) == 4
    assert len(run(client.list_message_ids("", label_ids=["INBOX"]))) == 7
    assert run(client.list_message_ids("subject:nothing-matches")) == []


def test_get_message_thread_and_metadata(emu: Any, client: GmailClient) -> None:
    first = deliver(emu, headers={"List-Id": "<news.example.cz>", "Precedence": "bulk"})
    reply = deliver(
        emu,
        subject="Re: Schůzka v úterý",
        body="Ano, v úterý v 10.",
        in_reply_to=first.message_id,
        thread_id=first.thread_id,
    )
    message = run(client.get_message(first.id))
    assert message.sender_email == "jana@example.cz" and message.sender_name == "Jana Nováková"
    assert message.subject == "Schůzka v úterý"
    assert message.body_text == "Dobrý den, můžeme se sejít v úterý?"
    assert message.message_id == first.message_id
    assert message.headers["list-id"] == "<news.example.cz>"
    assert message.headers["precedence"] == "bulk"
    assert message.in_inbox and message.is_unread

    meta = run(client.get_message_metadata(first.id, ["Subject", "List-Id"]))
    assert meta.subject == "Schůzka v úterý" and meta.body_text == ""
    assert meta.headers["List-Id"] == "<news.example.cz>"

    thread = run(client.get_thread(first.thread_id))
    assert [m.id for m in thread.messages] == [first.id, reply.id]
    assert thread.messages[1].in_reply_to == first.message_id
    assert thread.history_id >= reply.history_id


def test_label_changes(emu: Any, client: GmailClient) -> None:
    ids = run(client.ensure_labels(["🤖 AI/FYI", "🤖 AI/Done"]))
    a = deliver(emu)
    b = deliver(emu, subject="Re: x", in_reply_to=a.message_id, thread_id=a.thread_id)
    c = deliver(emu, subject="another")
    labels = run(client.modify_message(a.id, add=[ids["🤖 AI/FYI"]], remove=["UNREAD"]))
    assert ids["🤖 AI/FYI"] in labels and "UNREAD" not in labels
    run(client.modify_thread(a.thread_id, add=[ids["🤖 AI/Done"]], remove=["INBOX"]))
    thread = run(client.get_thread(a.thread_id))
    assert all(ids["🤖 AI/Done"] in m.label_ids and not m.in_inbox for m in thread.messages)
    run(client.batch_modify([b.id, c.id], add=["STARRED"], remove=[]))
    assert "STARRED" in run(client.get_message(c.id)).label_ids
    assert emu.calls()["calls"]["threads.modify"] == 1


def test_history_after_delivery_label_change_and_draft(emu: Any, client: GmailClient) -> None:
    start = run(client.get_profile()).history_id
    label_id = run(client.ensure_labels(["🤖 AI/Rework"]))["🤖 AI/Rework"]
    mail = deliver(emu)
    emu.state.owner_modify_labels(OWNER, mail.id, add=[label_id])
    raw = build_reply(
        to=[MailAddress("jana@example.cz")],
        subject="x",
        body="ok",
        in_reply_to=mail.message_id,
        references="",
    )
    draft = run(client.create_draft(mail.thread_id, raw))

    page = run(client.list_history(start))
    added = [m for r in page.records for m in r.messages_added]
    assert [m.id for m in added] == [mail.id, draft.message_id]
    assert "INBOX" in added[0].label_ids and "DRAFT" in added[1].label_ids
    changes = [c for r in page.records for c in r.labels_added]
    assert len(changes) == 1 and changes[0].label_ids == (label_id,)
    assert changes[0].message_id == mail.id and label_id in changes[0].message_label_ids
    assert page.history_id == run(client.get_profile()).history_id
    assert [r.id for r in page.records] == sorted(r.id for r in page.records)

    only_labels = run(client.list_history(start, history_types=["labelAdded"]))
    assert all(not r.messages_added for r in only_labels.records)
    assert run(client.list_history(page.history_id)).records == ()


def test_history_pages(emu: Any, client: GmailClient, monkeypatch: pytest.MonkeyPatch) -> None:
    start = run(client.get_profile()).history_id
    for i in range(5):
        deliver(emu, subject=f"m{i}")
    monkeypatch.setattr(client_module, "_PAGE_SIZE", 2)
    page = run(client.list_history(start))
    assert len(page.records) == 5
    assert emu.calls()["calls"]["history.list"] == 3


def test_expired_history_and_not_found(emu: Any, client: GmailClient) -> None:
    start = run(client.get_profile()).history_id
    deliver(emu)
    emu.state.expire_history(OWNER)
    with pytest.raises(GmailHistoryExpired) as caught:
        run(client.list_history(start))
    assert isinstance(caught.value, GmailNotFound) and caught.value.status == 404
    with pytest.raises(GmailNotFound):
        run(client.get_message("18c0ffee00000000"))
    with pytest.raises(GmailNotFound):
        run(client.get_thread("18c0ffee00000000"))
    # An id that cannot be one is Gmail's 400 "Invalid id value", not a 404.
    with pytest.raises(GmailBadRequest, match="Invalid id value"):
        run(client.get_message("no-such-message"))


def test_drafts_lifecycle(emu: Any, client: GmailClient) -> None:
    mail = deliver(emu)
    other = deliver(emu, subject="unrelated")
    body = "Dobrý den,\n\nv úterý v 10 mi to vyhovuje. Grüße!\n\nJana"
    raw = build_reply(
        to=[MailAddress("jana@example.cz")],
        subject="Schůzka v úterý",
        body=body,
        in_reply_to=mail.message_id,
        references=None,
    )
    draft = run(client.create_draft(mail.thread_id, raw))
    assert draft.thread_id == mail.thread_id and draft.id and draft.message_id
    run(client.create_draft(other.thread_id, raw))

    fetched = run(client.get_draft(draft.id))
    assert fetched is not None
    assert fetched.body_text == body and fetched.subject == "Re: Schůzka v úterý"
    assert [d.id for d in run(client.list_drafts(mail.thread_id))] == [draft.id]
    assert len(run(client.list_drafts())) == 2

    raw2 = build_reply(
        to=[MailAddress("jana@example.cz")],
        subject="Schůzka v úterý",
        body="Nový text",
        in_reply_to=mail.message_id,
        references=None,
    )
    updated = run(client.update_draft(draft.id, mail.thread_id, raw2))
    assert updated.id == draft.id and updated.thread_id == mail.thread_id
    refetched = run(client.get_draft(draft.id))
    assert refetched is not None and refetched.body_text == "Nový text"
    thread = run(client.get_thread(mail.thread_id))
    assert [m.is_draft for m in thread.messages] == [False, True]
    assert thread.messages[1].in_reply_to == mail.message_id

    assert run(client.delete_draft(draft.id)) is True
    assert run(client.delete_draft(draft.id)) is False  # already gone is fine
    assert run(client.get_draft(draft.id)) is None
    assert emu.calls()["safety_violations"] == 0


def test_owner_edit_is_read_back(emu: Any, client: GmailClient) -> None:
    mail = deliver(emu)
    raw = build_reply(
        to=[MailAddress("jana@example.cz")],
        subject="x",
        body="AI text",
        in_reply_to=mail.message_id,
        references="",
    )
    draft = run(client.create_draft(mail.thread_id, raw))
    emu.state.owner_edit_draft(OWNER, draft.id, body="kratší, prosím\n\n✂️\n\nAI text")
    fetched = run(client.get_draft(draft.id))
    assert fetched is not None and fetched.body_text is not None
    assert fetched.body_text.startswith("kratší, prosím")


def test_concurrent_calls_use_separate_connections(emu: Any, client: GmailClient) -> None:
    ids = [deliver(emu, subject=f"m{i}").id for i in range(12)]

    async def fetch_all() -> list[str]:
        messages = await asyncio.gather(*(client.get_message(i) for i in ids))
        return [m.id for m in messages]

    assert run(fetch_all()) == ids
