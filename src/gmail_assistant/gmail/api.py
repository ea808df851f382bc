"""`GmailApi`: the interface the application depends on; `GmailClient` implements it.

Tests of the flows may pass any object with these methods (a fake that keeps state).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from gmail_assistant.gmail.models import (
    Draft,
    Headers,
    HistoryPage,
    Label,
    ParsedMessage,
    Profile,
    ThreadData,
)

__all__ = ["GmailApi"]


@runtime_checkable
class GmailApi(Protocol):
    async def get_profile(self) -> Profile: ...

    async def watch(self, topic: str, label_ids: Sequence[str] = ()) -> tuple[int, datetime]: ...

    async def stop_watch(self) -> None: ...

    async def list_labels(self) -> list[Label]: ...

    async def create_label(self, name: str) -> Label: ...

    async def ensure_labels(self, names: Iterable[str]) -> dict[str, str]: ...

    async def list_message_ids(
        self,
        query: str,
        max_results: int | None = None,
        label_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str]]: ...

    async def get_message(self, message_id: str) -> ParsedMessage: ...

    async def get_raw_headers(self, message_id: str) -> Headers: ...

    async def get_message_metadata(
        self, message_id: str, headers: Sequence[str] = ()
    ) -> ParsedMessage: ...

    async def get_thread(self, thread_id: str) -> ThreadData: ...

    async def modify_message(
        self, message_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> tuple[str, ...]: ...

    async def modify_thread(
        self, thread_id: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None: ...

    async def batch_modify(
        self, message_ids: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None: ...

    async def list_history(
        self,
        start_history_id: int | str,
        history_types: Sequence[str] | None = None,
        label_id: str | None = None,
    ) -> HistoryPage: ...

    async def create_draft(self, thread_id: str | None, raw: str) -> Draft: ...

    async def get_draft(self, draft_id: str) -> Draft | None: ...

    async def list_drafts(self, thread_id: str | None = None) -> list[Draft]: ...

    async def update_draft(self, draft_id: str, thread_id: str | None, raw: str) -> Draft: ...

    async def delete_draft(self, draft_id: str) -> bool: ...
