"""Profile, labels and auth, through the real google-api-python-client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError

from gmail_emulator.testing import RunningEmulator, gmail_service


def test_profile_counts_messages_threads_and_history(emu: RunningEmulator, gmail: Any) -> None:
    first = emu.deliver(subject="One", body="a")
    emu.deliver(subject="Re: One", body="b", in_reply_to=first.message_id)
    profile = gmail.users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == "owner@example.com"
    assert profile["messagesTotal"] == 2
    assert profile["threadsTotal"] == 1
    assert int(profile["historyId"]) == emu.state.mailbox().history.current_id


def test_system_labels_are_listed(gmail: Any) -> None:
    labels = {
        label["id"]: label for label in gmail.users().labels().list(userId="me").execute()["labels"]
    }
    for label_id in ("INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT"):
        assert labels[label_id]["type"] == "system"
    assert "CATEGORY_PROMOTIONS" in labels


def test_label_create_get_patch_update_delete(emu: RunningEmulator, gmail: Any) -> None:
    labels = gmail.users().labels()
    created = labels.create(userId="me", body={"name": "🤖 AI/Done"}).execute()
    assert created["id"].startswith("Label_")
    assert created["name"] == "🤖 AI/Done"
    delivered = emu.deliver(subject="x", body="y")
    emu.state.owner_modify_labels(None, delivered.id, add=[created["id"]])
    fetched = labels.get(userId="me", id=created["id"]).execute()
    assert fetched["messagesTotal"] == 1 and fetched["threadsUnread"] == 1

    patched = labels.patch(
        userId="me", id=created["id"], body={"labelListVisibility": "labelHide"}
    ).execute()
    assert patched["name"] == "🤖 AI/Done" and patched["labelListVisibility"] == "labelHide"
    updated = labels.update(
        userId="me", id=created["id"], body={"name": "🤖 AI/Finished"}
    ).execute()
    assert updated["name"] == "🤖 AI/Finished"

    labels.delete(userId="me", id=created["id"]).execute()
    with pytest.raises(HttpError) as info:
        labels.get(userId="me", id=created["id"]).execute()
    assert info.value.status_code == 404
    assert created["id"] not in emu.state.mailbox().message(delivered.id).label_ids


def test_duplicate_label_name_is_409(gmail: Any) -> None:
    gmail.users().labels().create(userId="me", body={"name": "Work"}).execute()
    with pytest.raises(HttpError) as info:
        gmail.users().labels().create(userId="me", body={"name": "work"}).execute()
    assert info.value.status_code == 409
    assert "Label name exists or conflicts" in str(info.value)


def test_unknown_message_is_google_404(emu: RunningEmulator) -> None:
    response = httpx.get(
        f"{emu.url}/gmail/v1/users/me/messages/ffffffffffffffff",
        headers={"Authorization": "Bearer emu:owner@example.com"},
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": 404,
            "message": "Requested entity was not found.",
            "errors": [
                {
                    "message": "Requested entity was not found.",
                    "domain": "global",
                    "reason": "notFound",
                }
            ],
            "status": "NOT_FOUND",
        }
    }


def test_missing_authorization_is_401(emu: RunningEmulator) -> None:
    response = httpx.get(f"{emu.url}/gmail/v1/users/me/profile")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_token_selects_mailbox_and_other_tokens_are_401(emu: RunningEmulator) -> None:
    emu.deliver("x@example.com", subject="for x", body="hello x")
    mine = gmail_service(emu.url, "x@example.com").users().messages().list(userId="me").execute()
    assert mine["resultSizeEstimate"] == 1
    response = httpx.get(
        f"{emu.url}/gmail/v1/users/me/profile",
        headers={"Authorization": "Bearer ya29.real-looking"},
    )
    assert response.status_code == 401
    explicit = httpx.get(
        f"{emu.url}/gmail/v1/users/x@example.com/profile",
        headers={"Authorization": "Bearer emu:x@example.com"},
    )
    assert explicit.json()["messagesTotal"] == 1
