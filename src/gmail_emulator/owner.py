"""What happens outside the API: mail arriving, and the owner acting in their Gmail client.

These are the Python twins of the control API; none of them is a safety violation.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gmail_emulator import drafts
from gmail_emulator.compose import (
    AttachmentSpec,
    MailSpec,
    build_raw,
    ensure_message_id,
    raw_from_input,
    replace_body,
)
from gmail_emulator.errors import bad_request
from gmail_emulator.mime import parse_date_ms

if TYPE_CHECKING:
    from gmail_emulator.mailbox import Mailbox

__all__ = ["Delivery", "OwnerActions", "attachment_from_dict"]


@dataclass(frozen=True)
class Delivery:
    id: str
    thread_id: str
    history_id: int
    message_id: str  # the RFC 822 Message-ID header

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "threadId": self.thread_id,
            "historyId": str(self.history_id),
            "messageId": self.message_id,
        }


def attachment_from_dict(item: Mapping[str, Any]) -> AttachmentSpec:
    data = str(item.get("data_base64") or "")
    try:
        content = base64.b64decode(data + "=" * (-len(data) % 4), altchars=b"-_")
    except (binascii.Error, ValueError):
        raise bad_request("attachments[].data_base64 is not base64") from None
    return AttachmentSpec(
        filename=str(item.get("filename") or "attachment.bin"),
        content_type=str(item.get("content_type") or "application/octet-stream"),
        data=content,
    )


class OwnerActions:
    """Mixin for :class:`EmulatorState`: delivery and the owner's own actions."""

    lock: AbstractContextManager[Any]

    def mailbox(self, email: str | None = None, *, create: bool = True) -> Mailbox:
        raise NotImplementedError

    def deliver(
        self,
        email: str | None = None,
        *,
        raw: str | bytes | None = None,
        sender: str | None = None,
        to: str | None = None,
        cc: str = "",
        subject: str = "",
        body: str | None = None,
        html: str | None = None,
        headers: Mapping[str, str] | None = None,
        attachments: Sequence[AttachmentSpec | Mapping[str, Any]] = (),
        thread_id: str | None = None,
        in_reply_to: str | None = None,
        label_ids: Iterable[str] | None = None,
        date: str | None = None,
        sent: bool = False,
        message_id: str | None = None,
        received_at: str | int | None = None,
    ) -> Delivery:
        """Put a mail into ``email``'s mailbox (received, or written by the owner if ``sent``).

        ``date`` is only the Date header; ``internalDate`` is the time of delivery (now), or
        ``received_at`` (RFC 2822, ISO 8601 or epoch milliseconds) when given.
        """
        internal_ms = _received_ms(received_at)
        with self.lock:
            box = self.mailbox(email)
            if raw is not None:
                data = raw if isinstance(raw, bytes) else raw_from_input(raw)
            else:
                specs = [
                    a if isinstance(a, AttachmentSpec) else attachment_from_dict(a)
                    for a in attachments
                ]
                data = build_raw(
                    MailSpec(
                        sender=sender or (box.email if sent else "Sender <sender@example.com>"),
                        to=to if to is not None else ("" if sent else box.email),
                        cc=cc,
                        subject=subject,
                        body=body,
                        html=html,
                        headers=dict(headers or {}),
                        attachments=specs,
                        in_reply_to=in_reply_to,
                        date=_rfc2822(date),
                        message_id=message_id,
                    )
                )
            data, rfc_id = ensure_message_id(data)
            labels = (
                list(label_ids)
                if label_ids is not None
                else (["SENT"] if sent else ["INBOX", "UNREAD"])
            )
            thread = box.thread_for(data, thread_id, strict=False)
            stored = box.add_message(
                data, labels, thread_id=thread, internal_ms=internal_ms, by_name=True
            )
            return Delivery(stored.id, stored.thread_id, stored.history_id, rfc_id)

    def owner_modify_labels(
        self,
        email: str | None,
        message_id: str,
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> list[str]:
        """The owner changes a message's labels (names or ids); returns its label ids."""
        with self.lock:
            box = self.mailbox(email)
            changed = box.modify(message_id, add=list(add), remove=list(remove), by_name=True)
            return list(changed.label_ids)

    def owner_modify_thread_labels(
        self,
        email: str | None,
        thread_id: str,
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> None:
        with self.lock:
            box = self.mailbox(email)
            add_list, remove_list = list(add), list(remove)
            for message in box.thread(thread_id):
                box.modify(message.id, add=add_list, remove=remove_list, by_name=True)

    def owner_edit_draft(
        self,
        email: str | None,
        draft_id: str,
        *,
        body: str | None = None,
        raw: str | bytes | None = None,
    ) -> str:
        """The owner rewrites a draft; returns the draft's new message id."""
        with self.lock:
            box = self.mailbox(email)
            old = drafts.draft_message(box, draft_id)
            if raw is not None:
                data = raw if isinstance(raw, bytes) else raw_from_input(raw)
            elif body is not None:
                data = replace_body(old.raw, body)
            else:
                raise bad_request("edit needs body or raw")
            return drafts.update_draft(box, draft_id, data, old.thread_id, owner=True)

    def owner_send_draft(
        self, email: str | None, draft_id: str, *, mode: str | None = None
    ) -> Delivery:
        """The owner presses Send in their Gmail client (not a safety violation).

        ``mode`` (``replace`` or ``relabel``) overrides the mailbox's send mode for this send.
        """
        with self.lock:
            box = self.mailbox(email)
            sent = drafts.send_draft(box, draft_id, mode=mode)
            return Delivery(sent.id, sent.thread_id, sent.history_id, sent.message_id_header)

    def set_send_mode(self, email: str | None, mode: str) -> None:
        """How sending a draft shows in history from now on (see ``drafts.send_draft``)."""
        if mode not in drafts.SEND_MODES:
            raise bad_request(f"Unknown send mode: {mode} (expected one of replace, relabel)")
        with self.lock:
            self.mailbox(email).send_mode = mode

    def expire_history(self, email: str | None = None) -> int:
        """Forget all history so far; returns the mailbox's current history id."""
        with self.lock:
            box = self.mailbox(email)
            box.history.expire()
            return box.history.current_id

    def set_push_url(self, email: str | None, url: str | None) -> None:
        with self.lock:
            self.mailbox(email).push_url = url or None


def _rfc2822(value: str | None) -> str | None:
    if not value:
        return None
    ms = parse_date_ms(value)
    if ms is None:
        raise bad_request(f"Unparseable date: {value}")
    import email.utils

    return email.utils.formatdate(ms / 1000, localtime=False)


def _received_ms(value: str | int | None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    ms = parse_date_ms(str(value))
    if ms is None:
        raise bad_request(f"Unparseable received_at: {value}")
    return ms
