"""threads.* and drafts.* with the history records Gmail writes for them."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from gmail_emulator.testing import RunningEmulator


def _raw(text: str, subject: str = "Re: Question", extra: str = "") -> str:
    mail = f"To: alice@example.com\r\nSubject: {subject}\r\n{extra}\r\n{text}\r\n"
    return base64.urlsafe_b64encode(mail.encode()).decode()


def _reply_to(message_id: str) -> str:
    return f"In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n"


def _history(gmail: Any, start: int | str, **params: Any) -> list[dict[str, Any]]:
    response = (
        gmail.users().history().list(userId="me", startHistoryId=str(start), **params).execute()
    )
    return response.get("history", [])


def _kinds(history: list[dict[str, Any]]) -> list[str]:
    return [next(key for key in record if key not in ("id", "messages")) for record in history]


def test_replies_join_the_thread(emu: RunningEmulator, gmail: Any) -> None:
    first = emu.deliver(sender="alice@example.com", subject="Question", body="hi")
    reply = emu.deliver(
        sent=True,
        to="alice@example.com",
        subject="Re: Question",
        body="ok",
        in_reply_to=first.message_id,
    )
    again = emu.deliver(subject="Re: Question", body="thanks", thread_id=first.thread_id)
    other = emu.deliver(subject="Other", body="x")
    assert reply.thread_id == again.thread_id == first.thread_id != other.thread_id
    thread = gmail.users().threads().get(userId="me", id=first.thread_id).execute()
    assert [m["id"] for m in thread["messages"]] == [first.id, reply.id, again.id]
    assert thread["messages"][1]["labelIds"] == ["SENT"]
    metadata = (
        gmail.users()
        .threads()
        .get(userId="me", id=first.thread_id, format="metadata", metadataHeaders=["Subject"])
        .execute()
    )
    assert metadata["messages"][0]["payload"]["headers"] == [
        {"name": "Subject", "value": "Question"}
    ]
    minimal = (
        gmail.users().threads().get(userId="me", id=first.thread_id, format="minimal").execute()
    )
    assert "payload" not in minimal["messages"][0]


def test_threads_list_and_modify(emu: RunningEmulator, gmail: Any) -> None:
    first = emu.deliver(subject="Question", body="hi")
    emu.deliver(subject="Re: Question", body="more", in_reply_to=first.message_id)
    lone = emu.deliver(subject="Other", body="x")
    listed = gmail.users().threads().list(userId="me", q="in:inbox").execute()
    assert [t["id"] for t in listed["threads"]] == [lone.thread_id, first.thread_id]
    start = emu.state.mailbox().history.current_id
    result = (
        gmail.users()
        .threads()
        .modify(userId="me", id=first.thread_id, body={"removeLabelIds": ["INBOX", "UNREAD"]})
        .execute()
    )
    assert all("labelIds" not in m for m in result["messages"])
    assert _kinds(_history(gmail, start)) == ["labelsRemoved", "labelsRemoved"]
    assert [
        t["id"]
        for t in gmail.users().threads().list(userId="me", q="in:inbox").execute()["threads"]
    ] == [lone.thread_id]
    with pytest.raises(HttpError) as info:
        gmail.users().threads().get(userId="me", id="0000000000000000").execute()
    assert info.value.status_code == 404


def test_draft_lifecycle_and_history(emu: RunningEmulator, gmail: Any) -> None:
    incoming = emu.deliver(sender="alice@example.com", subject="Question", body="?")
    drafts = gmail.users().drafts()
    start = emu.state.mailbox().history.current_id

    reply = _reply_to(incoming.message_id)
    created = drafts.create(
        userId="me",
        body={
            "message": {"raw": _raw("first version", extra=reply), "threadId": incoming.thread_id}
        },
    ).execute()
    draft_id, first_message = created["id"], created["message"]["id"]
    assert created["message"]["threadId"] == incoming.thread_id
    assert created["message"]["labelIds"] == ["DRAFT"]

    fetched = drafts.get(userId="me", id=draft_id).execute()
    assert fetched["message"]["snippet"] == "first version"
    raw = drafts.get(userId="me", id=draft_id, format="raw").execute()
    assert "raw" in raw["message"]
    listed = drafts.list(userId="me").execute()
    assert listed["drafts"] == [
        {"id": draft_id, "message": {"id": first_message, "threadId": incoming.thread_id}}
    ]
    assert drafts.list(userId="me", q="version").execute()["resultSizeEstimate"] == 1
    assert drafts.list(userId="me", q="nomatch").execute()["resultSizeEstimate"] == 0

    updated = drafts.update(
        userId="me",
        id=draft_id,
        body={
            "message": {"raw": _raw("second version", extra=reply), "threadId": incoming.thread_id}
        },
    ).execute()
    assert updated["id"] == draft_id and updated["message"]["id"] != first_message
    assert updated["message"]["threadId"] == incoming.thread_id

    drafts.delete(userId="me", id=draft_id).execute()
    with pytest.raises(HttpError) as info:
        drafts.get(userId="me", id=draft_id).execute()
    assert info.value.status_code == 404

    history = _history(gmail, start)
    assert _kinds(history) == [
        "messagesAdded",
        "messagesDeleted",
        "messagesAdded",
        "messagesDeleted",
    ]
    ids = [record[_kinds([record])[0]][0]["message"]["id"] for record in history]
    assert ids == [first_message, first_message, updated["message"]["id"], updated["message"]["id"]]
    assert history[0]["messagesAdded"][0]["message"]["labelIds"] == ["DRAFT"]
    assert emu.state.dump()["safety_violations"] == []


@pytest.mark.parametrize(
    ("subject", "headers", "with_thread", "joins"),
    [
        pytest.param("Re: Question", True, True, True, id="reply"),
        pytest.param("AW: RE:  fwd: question ", True, True, True, id="prefixes-case-space"),
        pytest.param("Odp: SV: Wg: Question", True, True, True, id="other-languages"),
        pytest.param("Question", True, True, True, id="no-prefix"),
        pytest.param("Re: Question", False, True, False, id="no-reply-headers"),
        pytest.param("Re: Another matter", True, True, False, id="other-subject"),
        pytest.param("Re: Questions", True, True, False, id="subject-is-not-a-prefix-match"),
        pytest.param("Re: Question", True, False, False, id="no-thread-id"),
    ],
)
def test_a_draft_joins_a_thread_only_by_gmails_rule(
    emu: RunningEmulator, gmail: Any, subject: str, headers: bool, with_thread: bool, joins: bool
) -> None:
    incoming = emu.deliver(subject="Question", body="?")
    message: dict[str, Any] = {
        "raw": _raw("a", subject=subject, extra=_reply_to(incoming.message_id) if headers else "")
    }
    if with_thread:
        message["threadId"] = incoming.thread_id
    created = gmail.users().drafts().create(userId="me", body={"message": message}).execute()
    thread_id = created["message"]["threadId"]
    if joins:
        assert thread_id == incoming.thread_id
    else:
        assert thread_id == created["message"]["id"] != incoming.thread_id


def test_references_must_point_into_the_named_thread(emu: RunningEmulator, gmail: Any) -> None:
    incoming = emu.deliver(subject="Question", body="?")
    elsewhere = emu.deliver(subject="Question", body="same subject, other thread")
    assert elsewhere.thread_id != incoming.thread_id
    raw = _raw("a", extra=_reply_to(elsewhere.message_id))
    created = (
        gmail.users()
        .drafts()
        .create(userId="me", body={"message": {"raw": raw, "threadId": incoming.thread_id}})
        .execute()
    )
    assert created["message"]["threadId"] not in (incoming.thread_id, elsewhere.thread_id)
    # References holding the whole chain count: any id of the thread is enough.
    chain = f"In-Reply-To: <other@x>\r\nReferences: <other@x> {incoming.message_id}\r\n"
    joined = (
        gmail.users()
        .drafts()
        .create(
            userId="me",
            body={"message": {"raw": _raw("b", extra=chain), "threadId": incoming.thread_id}},
        )
        .execute()
    )
    assert joined["message"]["threadId"] == incoming.thread_id


def test_draft_update_is_threaded_by_the_same_rule(emu: RunningEmulator, gmail: Any) -> None:
    incoming = emu.deliver(subject="Question", body="?")
    drafts = gmail.users().drafts()
    reply = _reply_to(incoming.message_id)
    first = {"raw": _raw("a", extra=reply), "threadId": incoming.thread_id}
    draft = drafts.create(userId="me", body={"message": first}).execute()
    kept = drafts.update(
        userId="me",
        id=draft["id"],
        body={"message": {"raw": _raw("b", extra=reply), "threadId": incoming.thread_id}},
    ).execute()
    assert kept["message"]["threadId"] == incoming.thread_id
    moved = drafts.update(
        userId="me",
        id=draft["id"],
        body={"message": {"raw": _raw("c"), "threadId": incoming.thread_id}},
    ).execute()
    assert moved["message"]["threadId"] == moved["message"]["id"] != incoming.thread_id
    unthreaded = drafts.update(
        userId="me", id=draft["id"], body={"message": {"raw": _raw("d", extra=reply)}}
    ).execute()
    assert unthreaded["message"]["threadId"] != incoming.thread_id
