"""`GmailClient`: the async Gmail adapter over google-api-python-client.

It reads, labels and writes drafts. By design there is no method that sends, deletes or
trashes a message; only the assistant's own drafts can be deleted (``delete_draft``).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from google.auth.credentials import Credentials
from googleapiclient.discovery import build

from gmail_assistant.gmail.budget import QuotaBudget
from gmail_assistant.gmail.convert import (
    draft_from,
    history_record_from,
    label_from,
    ms_to_datetime,
    profile_from,
    to_int,
)
from gmail_assistant.gmail.errors import GmailConflict, GmailHistoryExpired, GmailNotFound
from gmail_assistant.gmail.models import (
    Draft,
    Headers,
    HistoryPage,
    HistoryRecord,
    Label,
    ParsedMessage,
    Profile,
    ThreadData,
)
from gmail_assistant.gmail.parse import parse_message, raw_headers
from gmail_assistant.gmail.retry import RetryPolicy
from gmail_assistant.gmail.transport import CallObserver, Executor, SleepFn

__all__ = ["GmailClient"]

_PAGE_SIZE = 500  # Gmail's maximum for messages.list, history.list and drafts.list
_BATCH_MODIFY_MAX = 1000  # Gmail's limit of ids per messages.batchModify


class GmailClient:
    """One user's Gmail, through one googleapiclient service built once."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        api_endpoint: str,
        user_id: str = "me",
        budget: QuotaBudget,
        max_retries: int = 5,
        sleep: SleepFn = asyncio.sleep,
        on_call: CallObserver | None = None,
        timeout: float = 30.0,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        self.user_id = user_id
        self._service: Any = build(
            "gmail",
            "v1",
            credentials=credentials,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": api_endpoint.rstrip("/")},
        )
        self._resources: dict[str, Any] = {}
        extra = {"jitter": jitter} if jitter is not None else {}
        self._executor = Executor(
            credentials=credentials,
            budget=budget,
            policy=RetryPolicy(max_retries=max_retries),
            sleep=sleep,
            on_call=on_call,
            timeout=timeout,
            **extra,
        )

    def close(self) -> None:
        """Close the HTTP connections (of every worker thread); the client stays usable."""
        self._executor.close()
        self._service.close()

    def _resource(self, name: str) -> Any:
        """`users()` or `users().<name>()`, built once: googleapiclient builds every nested
        resource's methods from the discovery document on each access (milliseconds of CPU).
        Built resources only make requests, so worker threads can share them."""
        target = self._resources.get(name)
        if target is None:
            target = self._service.users()
            if name != "users":
                target = getattr(target, name)()
            self._resources[name] = target
        return target

    def _request(self, method: str, params: dict[str, Any]) -> Any:
        # "messages.get" → service.users().messages().get(userId=..., **params)
        resource, verb = method.split(".")
        return getattr(self._resource(resource), verb)(userId=self.user_id, **params)

    async def _call(self, method: str, **params: Any) -> Any:
        make = functools.partial(self._request, method, params)
        result = await self._executor.call(method, make)
        return result if result is not None else {}

    # -- mailbox --------------------------------------------------------------------------

    async def get_profile(self) -> Profile:
        return profile_from(await self._call("users.getProfile"))

    async def watch(self, topic: str, label_ids: Sequence[str] = ()) -> tuple[int, datetime]:
        """Start Pub/Sub push for the mailbox; returns (history id, expiration)."""
        body: dict[str, Any] = {"topicName": topic}
        if label_ids:
            body |= {"labelIds": list(label_ids), "labelFilterBehavior": "include"}
        data = await self._call("users.watch", body=body)
        return to_int(data.get("historyId")), ms_to_datetime(data.get("expiration"))

    async def stop_watch(self) -> None:
        await self._call("users.stop")

    # -- labels ---------------------------------------------------------------------------

    async def list_labels(self) -> list[Label]:
        data = await self._call("labels.list")
        return [label_from(item) for item in data.get("labels", [])]

    async def create_label(self, name: str) -> Label:
        body = {"name": name, "labelListVisibility": "labelShow", "messageListVisibility": "show"}
        return label_from(await self._call("labels.create", body=body))

    async def ensure_labels(self, names: Iterable[str]) -> dict[str, str]:
        """Label id for each name, creating the missing ones; safe to run concurrently."""
        wanted = list(dict.fromkeys(names))
        found = _match(wanted, await self.list_labels())
        # Parents before children ("🤖 AI" before "🤖 AI/Done").
        for name in sorted((n for n in wanted if n not in found), key=lambda n: n.count("/")):
            try:
                found[name] = (await self.create_label(name)).id
            except GmailConflict:
                # Someone (another job, the owner) created it meanwhile: take theirs.
                again = _match([name], await self.list_labels())
                if name not in again:
                    raise
                found[name] = again[name]
        return {name: found[name] for name in wanted}

    # -- messages and threads -------------------------------------------------------------

    async def list_message_ids(
        self,
        query: str,
        max_results: int | None = None,
        label_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str]]:
        """(message id, thread id) of every match, newest first; all pages unless capped."""
        found: list[tuple[str, str]] = []
        token: str | None = None
        while max_results is None or len(found) < max_results:
            left = _PAGE_SIZE if max_results is None else max_results - len(found)
            data = await self._call(
                "messages.list",
                q=query or None,
                maxResults=min(_PAGE_SIZE, left),
                pageToken=token,
                labelIds=list(label_ids) if label_ids else None,
            )
            for item in data.get("messages", []):
                found.append((str(item["id"]), str(item.get("threadId", ""))))
            token = data.get("nextPageToken")
            if not token:
                break
        return found if max_results is None else found[:max_results]

    async def get_message(self, message_id: str) -> ParsedMessage:
        return parse_message(await self._call("messages.get", id=message_id, format="full"))

    async def get_raw_headers(self, message_id: str) -> Headers:
        """A message's headers as the sender wrote them (``format=raw``): for the rare header
        whose decoded text is ambiguous (see ``ParsedMessage.reply_to_exact``)."""
        data = await self._call("messages.get", id=message_id, format="raw")
        return raw_headers(str(data.get("raw") or ""))

    async def get_message_metadata(
        self, message_id: str, headers: Sequence[str] = ()
    ) -> ParsedMessage:
        """Labels, snippet and the named headers only (no body): cheap for routing."""
        data = await self._call(
            "messages.get",
            id=message_id,
            format="metadata",
            metadataHeaders=list(headers) or None,
        )
        return parse_message(data)

    async def get_thread(self, thread_id: str) -> ThreadData:
        data = await self._call("threads.get", id=thread_id, format="full")
        return ThreadData(
            id=str(data.get("id", thread_id)),
            messages=tuple(parse_message(m) for m in data.get("messages", [])),
            history_id=to_int(data.get("historyId")),
        )

    async def modify_message(
        self, message_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> tuple[str, ...]:
        """Change one message's labels; returns its labels afterwards."""
        body = {"addLabelIds": list(add), "removeLabelIds": list(remove)}
        data = await self._call("messages.modify", id=message_id, body=body)
        return tuple(str(label) for label in data.get("labelIds", []))

    async def modify_thread(
        self, thread_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        """Change the labels of every message of a thread (10 units, whatever its size)."""
        body = {"addLabelIds": list(add), "removeLabelIds": list(remove)}
        await self._call("threads.modify", id=thread_id, body=body)

    async def batch_modify(
        self, message_ids: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        """Change labels of many messages (50 units per 1000 ids); one thread: modify_thread."""
        ids = list(dict.fromkeys(message_ids))
        for start in range(0, len(ids), _BATCH_MODIFY_MAX):
            body = {
                "ids": ids[start : start + _BATCH_MODIFY_MAX],
                "addLabelIds": list(add),
                "removeLabelIds": list(remove),
            }
            await self._call("messages.batchModify", body=body)

    # -- history --------------------------------------------------------------------------

    async def list_history(
        self,
        start_history_id: int | str,
        history_types: Sequence[str] | None = None,
        label_id: str | None = None,
    ) -> HistoryPage:
        """Every record after ``start_history_id`` (all pages) and the newest history id.

        Raises :class:`GmailHistoryExpired` when Gmail no longer has that start id.
        """
        records: list[HistoryRecord] = []
        token: str | None = None
        newest = to_int(start_history_id)
        while True:
            try:
                data = await self._call(
                    "history.list",
                    startHistoryId=str(start_history_id),
                    historyTypes=list(history_types) if history_types else None,
                    labelId=label_id,
                    maxResults=_PAGE_SIZE,
                    pageToken=token,
                )
            except GmailNotFound as exc:
                raise GmailHistoryExpired(
                    f"history.list: start history id {start_history_id} has expired",
                    reason=exc.reason,
                ) from exc
            records.extend(history_record_from(item) for item in data.get("history", []))
            newest = max(newest, to_int(data.get("historyId")))
            token = data.get("nextPageToken")
            if not token:
                break
        return HistoryPage(records=tuple(records), history_id=newest)

    # -- drafts ---------------------------------------------------------------------------

    async def create_draft(self, thread_id: str | None, raw: str) -> Draft:
        """A draft from base64url RFC 822 ``raw`` (see ``compose.build_reply``) in a thread."""
        data = await self._call("drafts.create", body={"message": _raw_message(thread_id, raw)})
        return draft_from(data)

    async def get_draft(self, draft_id: str) -> Draft | None:
        """The draft with its body text; None when it no longer exists (sent or deleted)."""
        try:
            data = await self._call("drafts.get", id=draft_id, format="full")
        except GmailNotFound:
            return None
        return draft_from(data, full=True)

    async def list_drafts(self, thread_id: str | None = None) -> list[Draft]:
        """Every draft (ids only, no bodies), or those in ``thread_id``."""
        drafts: list[Draft] = []
        token: str | None = None
        while True:
            data = await self._call("drafts.list", maxResults=_PAGE_SIZE, pageToken=token)
            drafts.extend(draft_from(item) for item in data.get("drafts", []))
            token = data.get("nextPageToken")
            if not token:
                break
        if thread_id is not None:
            drafts = [d for d in drafts if d.thread_id == thread_id]
        return drafts

    async def update_draft(self, draft_id: str, thread_id: str | None, raw: str) -> Draft:
        body = {"id": draft_id, "message": _raw_message(thread_id, raw)}
        return draft_from(await self._call("drafts.update", id=draft_id, body=body))

    async def delete_draft(self, draft_id: str) -> bool:
        """Delete one of the assistant's drafts; False when it was already gone."""
        try:
            await self._call("drafts.delete", id=draft_id)
        except GmailNotFound:
            return False
        return True


def _raw_message(thread_id: str | None, raw: str) -> dict[str, Any]:
    message: dict[str, Any] = {"raw": raw}
    if thread_id:
        message["threadId"] = thread_id
    return message


def _match(names: Iterable[str], labels: Iterable[Label]) -> dict[str, str]:
    """Ids for ``names`` among ``labels``: exact name first, then case-insensitively."""
    exact = {label.name: label.id for label in labels}
    folded = {name.casefold(): label_id for name, label_id in exact.items()}
    found: dict[str, str] = {}
    for name in names:
        label_id = exact.get(name) or folded.get(name.casefold())
        if label_id:
            found[name] = label_id
    return found
