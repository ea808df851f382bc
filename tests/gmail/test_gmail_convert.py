"""API JSON → values for the small resources, tolerant of missing fields; Headers semantics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from google.oauth2.credentials import Credentials

from gmail_assistant.gmail.budget import QuotaBudget
from gmail_assistant.gmail.convert import draft_from, history_record_from, label_from, profile_from
from gmail_assistant.gmail.models import Headers
from gmail_assistant.gmail.retry import RetryPolicy
from gmail_assistant.gmail.transport import Executor


def test_history_record_from_full_and_partial_json() -> None:
    record = history_record_from(
        {
            "id": "1005",
            "messages": [{"id": "m1", "threadId": "t1"}],
            "messagesAdded": [{"message": {"id": "m1", "threadId": "t1", "labelIds": ["INBOX"]}}],
            "labelsAdded": [
                {
                    "message": {"id": "m2", "threadId": "t2", "labelIds": ["Label_1", "INBOX"]},
                    "labelIds": ["Label_1"],
                }
            ],
            "labelsRemoved": [{"labelIds": ["UNREAD"]}],  # no message: skipped
            "messagesDeleted": "garbage",
        }
    )
    assert record.id == 1005
    assert record.messages_added[0].id == "m1" and record.messages_added[0].label_ids == ("INBOX",)
    change = record.labels_added[0]
    assert (change.message_id, change.thread_id, change.label_ids) == ("m2", "t2", ("Label_1",))
    assert change.message_label_ids == ("Label_1", "INBOX")
    assert record.labels_removed == () and record.messages_deleted == ()
    assert history_record_from({}).id == 0


def test_small_resources() -> None:
    assert label_from({"id": "INBOX", "name": "INBOX", "type": "system"}).type == "system"
    assert label_from({"id": "Label_1", "name": "x"}).type == "user"
    profile = profile_from({"emailAddress": "a@b.c", "historyId": "77", "messagesTotal": 3})
    assert (profile.email, profile.history_id, profile.messages_total) == ("a@b.c", 77, 3)
    draft = draft_from({"id": "r1", "message": {"id": "m1", "threadId": "t1"}})
    assert (draft.id, draft.message_id, draft.thread_id, draft.body_text) == (
        "r1",
        "m1",
        "t1",
        None,
    )
    assert draft_from({"id": "r2"}, full=True).body_text == ""


def test_headers_are_case_insensitive_and_ordered() -> None:
    headers = Headers([("Received", "a"), ("received", "b"), ("List-Id", "<x>")])
    assert headers["RECEIVED"] == "a" and headers.get_all("Received") == ("a", "b")
    assert list(headers) == ["Received", "List-Id"] and len(headers) == 2
    assert "list-id" in headers and "X-Autoreply" not in headers and 5 not in headers
    assert headers == Headers(headers.pairs) and hash(headers) == hash(Headers(headers.pairs))


def test_broken_observer_never_fails_a_call() -> None:
    def observer(method: str, status: int | str, units: int, seconds: float) -> None:
        raise RuntimeError("metrics backend down")

    class Request:
        def execute(self, http: object = None, num_retries: int = 0) -> dict[str, str]:
            return {"ok": "yes"}

    executor = Executor(
        credentials=Credentials(token="t"),
        budget=QuotaBudget(),
        policy=RetryPolicy(),
        on_call=observer,
    )
    assert asyncio.run(executor.call("labels.list", Request)) == {"ok": "yes"}


def test_epoch_for_missing_timestamps() -> None:
    from gmail_assistant.gmail.convert import ms_to_datetime

    assert ms_to_datetime(None) == datetime(1970, 1, 1, tzinfo=UTC)
