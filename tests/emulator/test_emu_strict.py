"""Where Gmail is strict, the emulator is too: label ids, id shapes, watch topics, sending."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError

from gmail_emulator.testing import RunningEmulator

OWNER = "owner@example.com"
LABEL = "🤖 AI/Outbox"


def _error(call: Callable[[], Any]) -> tuple[int, str]:
    with pytest.raises(HttpError) as info:
        call()
    return info.value.status_code, json.loads(info.value.content)["error"]["message"]


@pytest.fixture
def labelled(emu: RunningEmulator, gmail: Any) -> dict[str, str]:
    label = gmail.users().labels().create(userId="me", body={"name": LABEL}).execute()
    delivery = emu.deliver(subject="Question", body="?")
    return {"label": label["id"], "message": delivery.id, "thread": delivery.thread_id}


def test_label_names_where_ids_belong_are_invalid(gmail: Any, labelled: dict[str, str]) -> None:
    users = gmail.users()
    by_name = {"addLabelIds": [LABEL]}
    calls = {
        "messages.modify": lambda: (
            users.messages().modify(userId="me", id=labelled["message"], body=by_name).execute()
        ),
        "threads.modify": lambda: (
            users.threads()
            .modify(userId="me", id=labelled["thread"], body={"removeLabelIds": [LABEL]})
            .execute()
        ),
        "messages.batchModify": lambda: (
            users.messages()
            .batchModify(userId="me", body={"ids": [labelled["message"]], **by_name})
            .execute()
        ),
        "messages.list": lambda: users.messages().list(userId="me", labelIds=[LABEL]).execute(),
        "threads.list": lambda: users.threads().list(userId="me", labelIds=[LABEL]).execute(),
        "lowercase system id": lambda: (
            users.messages().list(userId="me", labelIds=["inbox"]).execute()
        ),
    }
    for name, call in calls.items():
        assert _error(call) == (400, f"Invalid label: {LABEL if 'system' not in name else 'inbox'}")
    # Ids, system ones included, stay valid.
    users.messages().modify(
        userId="me",
        id=labelled["message"],
        body={"addLabelIds": [labelled["label"], "STARRED"], "removeLabelIds": ["UNREAD"]},
    ).execute()
    listed = users.messages().list(userId="me", labelIds=[labelled["label"], "INBOX"]).execute()
    assert [m["id"] for m in listed["messages"]] == [labelled["message"]]


@pytest.mark.parametrize(
    ("resource", "bad_id"),
    [
        ("messages", "not-an-id"),
        ("messages", "1a2b<script>"),
        ("messages", "zzzz"),
        ("threads", "thread_1"),
        ("drafts", "draft!1"),
        ("drafts", "12345"),
    ],
)
def test_malformed_ids_are_400_and_unknown_ones_404(
    emu: RunningEmulator, resource: str, bad_id: str
) -> None:
    headers = {"Authorization": f"Bearer emu:{OWNER}"}
    base = f"{emu.url}/gmail/v1/users/me/{resource}"
    bad = httpx.get(f"{base}/{bad_id}", headers=headers)
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "Invalid id value"
    unknown = "r1234567890" if resource == "drafts" else "18c0ffee00000000"
    assert httpx.get(f"{base}/{unknown}", headers=headers).status_code == 404


def test_batch_modify_checks_every_id(gmail: Any, labelled: dict[str, str]) -> None:
    body = {"ids": [labelled["message"], "bad id"], "addLabelIds": ["STARRED"]}
    status, message = _error(
        lambda: gmail.users().messages().batchModify(userId="me", body=body).execute()
    )
    assert (status, message) == (400, "Invalid id value")


@pytest.mark.parametrize(
    "topic", ["gmail-push", "projects/p/subscriptions/s", "projects//topics/t", "topics/t"]
)
def test_watch_topic_must_be_a_pubsub_topic(gmail: Any, topic: str) -> None:
    status, message = _error(
        lambda: gmail.users().watch(userId="me", body={"topicName": topic}).execute()
    )
    assert status == 400 and "topicName" in message


def test_watch_with_label_names_is_invalid(gmail: Any) -> None:
    body = {"topicName": "projects/p/topics/t", "labelIds": ["Inbox stuff"]}
    assert _error(lambda: gmail.users().watch(userId="me", body=body).execute())[0] == 400
    ok = gmail.users().watch(userId="me", body={**body, "labelIds": ["INBOX"]}).execute()
    assert int(ok["historyId"]) > 0


def _draft(emu: RunningEmulator, gmail: Any) -> tuple[str, str, str]:
    incoming = emu.deliver(subject="Question", body="?")
    raw = (
        f"To: sender@example.com\r\nSubject: Re: Question\r\nIn-Reply-To: {incoming.message_id}"
        f"\r\nReferences: {incoming.message_id}\r\n\r\nthe reply\r\n"
    )
    draft = (
        gmail.users()
        .drafts()
        .create(
            userId="me",
            body={
                "message": {
                    "raw": base64.urlsafe_b64encode(raw.encode()).decode(),
                    "threadId": incoming.thread_id,
                }
            },
        )
        .execute()
    )
    return draft["id"], draft["message"]["id"], incoming.thread_id


def _history(gmail: Any, start: int) -> list[dict[str, Any]]:
    response = gmail.users().history().list(userId="me", startHistoryId=str(start)).execute()
    return response.get("history", [])


def test_send_mode_replace_deletes_the_draft_and_adds_a_sent_message(
    emu: RunningEmulator, gmail: Any
) -> None:
    draft_id, draft_message, thread_id = _draft(emu, gmail)
    start = emu.state.mailbox().history.current_id
    sent = emu.state.owner_send_draft(OWNER, draft_id)
    assert sent.id != draft_message and sent.thread_id == thread_id
    history = _history(gmail, start)
    assert [next(k for k in r if k not in ("id", "messages")) for r in history] == [
        "messagesDeleted",
        "messagesAdded",
    ]
    assert history[1]["messagesAdded"][0]["message"]["labelIds"] == ["SENT"]


def test_send_mode_relabel_keeps_the_message_and_swaps_draft_for_sent(
    emu: RunningEmulator, gmail: Any
) -> None:
    draft_id, draft_message, thread_id = _draft(emu, gmail)
    switched = httpx.put(f"{emu.url}/_emulator/users/{OWNER}/send-mode", json={"mode": "relabel"})
    assert switched.json() == {"mode": "relabel"}
    start = emu.state.mailbox().history.current_id
    sent = httpx.post(f"{emu.url}/_emulator/users/{OWNER}/drafts/{draft_id}/send").json()
    assert (sent["id"], sent["threadId"]) == (draft_message, thread_id)
    history = _history(gmail, start)
    changes = {
        kind: (r[kind][0]["message"]["id"], r[kind][0]["labelIds"])
        for r in history
        for kind in ("labelsAdded", "labelsRemoved")
        if kind in r
    }
    assert changes == {
        "labelsAdded": (draft_message, ["SENT"]),
        "labelsRemoved": (draft_message, ["DRAFT"]),
    }
    assert not any("messagesDeleted" in r or "messagesAdded" in r for r in history)
    message = gmail.users().messages().get(userId="me", id=draft_message).execute()
    assert message["labelIds"] == ["SENT"]
    with pytest.raises(HttpError) as info:
        gmail.users().drafts().get(userId="me", id=draft_id).execute()
    assert info.value.status_code == 404
    bad = httpx.put(f"{emu.url}/_emulator/users/{OWNER}/send-mode", json={"mode": "carrier"})
    assert bad.status_code == 400


def test_send_mode_can_be_chosen_per_send(emu: RunningEmulator, gmail: Any) -> None:
    draft_id, draft_message, _ = _draft(emu, gmail)
    response = httpx.post(
        f"{emu.url}/_emulator/users/{OWNER}/drafts/{draft_id}/send", json={"mode": "relabel"}
    )
    assert response.json()["id"] == draft_message
    assert emu.state.mailbox().send_mode == "replace"  # the mailbox default is unchanged
