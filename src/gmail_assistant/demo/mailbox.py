"""The bundled sample mailbox (`mailbox.yaml`) and its delivery into the emulator."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gmail_emulator.state import EmulatorState

__all__ = ["SAMPLE_MAILBOX", "DemoMail", "deliver_all", "load_mailbox"]

SAMPLE_MAILBOX = Path(__file__).with_name("mailbox.yaml")


@dataclass(frozen=True)
class DemoMail:
    key: str
    sender: str
    subject: str
    language: str
    expect: str
    body: str | None = None
    html: str | None = None
    to: str | None = None
    thread: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[dict[str, str], ...] = ()
    sent: bool = False
    demo_action: str | None = None
    rework_instruction: str | None = None
    manual_notes: str | None = None
    note: str | None = None
    route: str | None = None  # "agent": the demo's app.yml routes it to an agent profile

    @classmethod
    def of(cls, data: dict[str, Any]) -> DemoMail:
        return cls(
            key=str(data["key"]),
            sender=str(data["from"]),
            subject=str(data.get("subject", "")),
            language=str(data.get("language", "en")),
            expect=str(data.get("expect", "")),
            body=data.get("body"),
            html=data.get("html"),
            to=data.get("to"),
            thread=data.get("thread"),
            headers={str(k): str(v) for k, v in (data.get("headers") or {}).items()},
            attachments=tuple(data.get("attachments") or ()),
            sent=bool(data.get("sent", False)),
            demo_action=data.get("demo_action"),
            rework_instruction=data.get("rework_instruction"),
            manual_notes=data.get("manual_notes"),
            note=data.get("note"),
            route=data.get("route"),
        )


def load_mailbox(path: Path = SAMPLE_MAILBOX) -> tuple[str, list[DemoMail]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(data.get("owner", "owner@example.com")), [DemoMail.of(m) for m in data["mails"]]


def deliver_all(state: EmulatorState, owner: str, mails: list[DemoMail]) -> dict[str, str]:
    """Deliver in file order; returns mail key → Gmail thread id."""
    threads: dict[str, str] = {}  # thread key → thread id
    last_message: dict[str, tuple[str, str]] = {}  # thread key → (Message-ID, sender)
    by_key: dict[str, str] = {}
    for mail in mails:
        attachments = [
            {
                "filename": a["filename"],
                "content_type": a.get("content_type", "text/plain"),
                "data_base64": base64.b64encode(str(a.get("text", "")).encode()).decode(),
            }
            for a in mail.attachments
        ]
        previous = last_message.get(mail.thread) if mail.thread else None
        delivery = state.deliver(
            owner,
            sender=mail.sender,
            to=mail.to or (previous[1] if mail.sent and previous else owner),
            subject=mail.subject,
            body=mail.body,
            html=mail.html,
            headers=mail.headers or None,
            attachments=attachments,
            thread_id=threads.get(mail.thread) if mail.thread else None,
            in_reply_to=previous[0] if previous else None,
            sent=mail.sent,
        )
        if mail.thread:
            threads.setdefault(mail.thread, delivery.thread_id)
            last_message[mail.thread] = (delivery.message_id, mail.sender)
        by_key[mail.key] = delivery.thread_id
    return by_key
