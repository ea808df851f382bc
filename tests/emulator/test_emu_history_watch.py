"""history.list paging, filters and expiry; watch/stop and push delivery."""

from __future__ import annotations

import base64
import itertools
import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from gmail_emulator.state import EmulatorState
from gmail_emulator.testing import RunningEmulator, gmail_service, run_emulator


def test_history_paging_and_filters(emu: RunningEmulator, gmail: Any) -> None:
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    ids = [emu.deliver(subject=f"m{i}", body="b").id for i in range(5)]
    emu.state.owner_modify_labels(None, ids[0], add=["STARRED"])
    emu.state.owner_modify_labels(None, ids[1], remove=["UNREAD"])

    records: list[dict[str, Any]] = []
    token = None
    while True:
        params: dict[str, Any] = {"userId": "me", "startHistoryId": start, "maxResults": 2}
        if token:
            params["pageToken"] = token
        page = gmail.users().history().list(**params).execute()
        assert page["historyId"] == str(emu.state.mailbox().history.current_id)
        records += page["history"]
        token = page.get("nextPageToken")
        if not token:
            break
    assert len(records) == 7
    assert [int(r["id"]) for r in records] == sorted(int(r["id"]) for r in records)
    assert all(int(r["id"]) > int(start) for r in records)

    added = (
        gmail.users()
        .history()
        .list(userId="me", startHistoryId=start, historyTypes=["messageAdded"])
        .execute()
    )
    assert [r["messagesAdded"][0]["message"]["id"] for r in added["history"]] == ids
    removed = (
        gmail.users()
        .history()
        .list(userId="me", startHistoryId=start, historyTypes=["labelAdded", "labelRemoved"])
        .execute()["history"]
    )
    assert [("labelsAdded" in r, "labelsRemoved" in r) for r in removed] == [
        (True, False),
        (False, True),
    ]
    starred = (
        gmail.users().history().list(userId="me", startHistoryId=start, labelId="STARRED").execute()
    )
    assert [r["labelsAdded"][0]["message"]["id"] for r in starred["history"]] == [ids[0]]
    latest = gmail.users().history().list(userId="me", startHistoryId=records[-1]["id"]).execute()
    assert "history" not in latest


def test_expired_history_is_404(emu: RunningEmulator, gmail: Any) -> None:
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    emu.deliver(subject="a", body="b")
    current = emu.state.expire_history()
    with pytest.raises(HttpError) as info:
        gmail.users().history().list(userId="me", startHistoryId=start).execute()
    assert info.value.status_code == 404
    assert json.loads(info.value.content)["error"]["errors"][0]["reason"] == "notFound"
    assert (
        "history"
        not in gmail.users().history().list(userId="me", startHistoryId=str(current)).execute()
    )


def test_bounded_history_drops_oldest() -> None:
    with run_emulator(max_history=3) as emu:
        gmail = gmail_service(emu.url)
        start = gmail.users().getProfile(userId="me").execute()["historyId"]
        delivered = [emu.deliver(subject=f"m{i}", body="b") for i in range(5)]
        with pytest.raises(HttpError) as info:
            gmail.users().history().list(userId="me", startHistoryId=start).execute()
        assert info.value.status_code == 404
        since_second = str(delivered[1].history_id)
        recent = gmail.users().history().list(userId="me", startHistoryId=since_second).execute()
        assert len(recent["history"]) == 3


def test_history_ids_grow_with_gaps(emu: RunningEmulator, gmail: Any) -> None:
    start = int(gmail.users().getProfile(userId="me").execute()["historyId"])
    for i in range(6):
        emu.deliver(subject=f"m{i}", body="b")
    history = gmail.users().history().list(userId="me", startHistoryId=str(start)).execute()
    ids = [start] + [int(record["id"]) for record in history["history"]]
    steps = [later - earlier for earlier, later in itertools.pairwise(ids)]
    assert all(step > 1 for step in steps), steps  # never +1: clients must not assume it
    assert int(history["historyId"]) == ids[-1]
    message = gmail.users().messages().get(userId="me", id=emu.deliver(subject="x").id).execute()
    assert message["historyId"] == gmail.users().getProfile(userId="me").execute()["historyId"]


class _Receiver:
    """A tiny HTTP server standing in for the app's Pub/Sub push webhook."""

    def __init__(self) -> None:
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                received.put(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook/gmail"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def next(self) -> dict[str, Any]:
        return self.received.get(timeout=10)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    rec = _Receiver()
    yield rec
    rec.close()


def test_watch_push_and_stop(emu: RunningEmulator, gmail: Any, receiver: _Receiver) -> None:
    emu.state.set_push_url("owner@example.com", receiver.url)
    response = (
        gmail.users()
        .watch(userId="me", body={"topicName": "projects/p/topics/gmail", "labelIds": ["INBOX"]})
        .execute()
    )
    assert response["historyId"] == str(emu.state.mailbox().history.current_id)
    assert int(response["expiration"]) > 0

    delivered = emu.deliver(subject="push me", body="b")
    envelope = receiver.next()
    assert envelope["subscription"] == "projects/emulator/subscriptions/gmail-push"
    data = json.loads(base64.b64decode(envelope["message"]["data"]))
    assert data == {"emailAddress": "owner@example.com", "historyId": delivered.history_id}
    assert envelope["message"]["messageId"] and envelope["message"]["publishTime"]

    # A change outside the watched labels (a sent mail) does not notify; INBOX changes do.
    emu.deliver(sent=True, to="x@example.com", subject="out", body="b")
    after = emu.deliver(subject="again", body="b")
    data = json.loads(base64.b64decode(receiver.next()["message"]["data"]))
    assert data["historyId"] == after.history_id

    gmail.users().stop(userId="me").execute()
    assert emu.state.mailbox().watch is None
    emu.deliver(subject="silent", body="b")
    with pytest.raises(queue.Empty):
        receiver.received.get(timeout=0.3)


def test_push_errors_are_ignored(receiver: _Receiver) -> None:
    state = EmulatorState()
    state.set_push_url(None, "http://127.0.0.1:9/nothing-listens")
    state.mailbox().watch = {"labelIds": [], "labelFilterBehavior": "include"}
    state.deliver(subject="x", body="y")  # must not raise or block
    state.close()
    assert state.push.failed + state.push.sent == 1
