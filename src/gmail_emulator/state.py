"""The emulator's whole state: mailboxes, call counters, faults, safety log, token refreshes.

One ``RLock`` guards everything, so the API routes (event loop thread) and tests or the app
(any thread) can use it at once. Python methods here mirror the control API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from gmail_emulator.faults import FaultConfig, FaultInjector
from gmail_emulator.mailbox import Mailbox
from gmail_emulator.messages import IdSource
from gmail_emulator.owner import OwnerActions
from gmail_emulator.push import PushDispatcher, PushNotice

__all__ = ["QUOTA_UNITS", "EmulatorState", "SafetyViolation"]

DEFAULT_EMAIL = "owner@example.com"

# Gmail quota units per call, keyed by the short method name (see ``calls``).
QUOTA_UNITS: dict[str, int] = {
    "getProfile": 1,
    "watch": 100,
    "stop": 50,
    "history.list": 2,
    "labels.list": 1,
    "labels.get": 1,
    "labels.create": 1,
    "labels.update": 1,
    "labels.patch": 1,
    "labels.delete": 1,
    "messages.list": 5,
    "messages.get": 5,
    "messages.modify": 5,
    "messages.batchModify": 50,
    "messages.attachments.get": 5,
    "messages.send": 100,
    "messages.insert": 25,
    "messages.import": 25,
    "messages.delete": 10,
    "messages.batchDelete": 50,
    "messages.trash": 5,
    "messages.untrash": 5,
    "threads.list": 10,
    "threads.get": 10,
    "threads.modify": 10,
    "threads.trash": 10,
    "threads.untrash": 10,
    "threads.delete": 20,
    "drafts.create": 10,
    "drafts.get": 5,
    "drafts.list": 5,
    "drafts.update": 15,
    "drafts.delete": 10,
    "drafts.send": 100,
}


@dataclass(frozen=True)
class SafetyViolation:
    email: str
    method: str
    detail: str
    at: float

    def as_dict(self) -> dict[str, Any]:
        return {"email": self.email, "method": self.method, "detail": self.detail, "at": self.at}


class EmulatorState(OwnerActions):
    def __init__(
        self,
        *,
        seed_mailboxes: tuple[str, ...] = (DEFAULT_EMAIL,),
        max_history: int = 10_000,
    ) -> None:
        self.lock = threading.RLock()
        self.ids = IdSource()
        self.faults = FaultInjector()
        self.push = PushDispatcher()
        self.max_history = max_history
        self._seed = seed_mailboxes
        self.mailboxes: dict[str, Mailbox] = {}
        self.calls: dict[str, int] = {}
        self.violations: list[SafetyViolation] = []
        self.token_refreshes: dict[str, int] = {}
        self.revoked: set[str] = set()  # mailboxes whose grant the owner revoked
        self.reset()

    # -- mailboxes ------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.mailboxes = {}
            self.calls = {}
            self.violations = []
            self.token_refreshes = {}
            self.revoked = set()
            self.faults.clear()
            self.faults.injected.clear()
            for email in self._seed:
                self.create_mailbox(email)

    def create_mailbox(self, email: str) -> Mailbox:
        with self.lock:
            key = email.strip().lower()
            if key not in self.mailboxes:
                self.mailboxes[key] = Mailbox(
                    email.strip(),
                    ids=self.ids,
                    max_history=self.max_history,
                    on_change=self._changed,
                )
            return self.mailboxes[key]

    @property
    def default_email(self) -> str:
        with self.lock:
            if not self.mailboxes:
                self.create_mailbox(DEFAULT_EMAIL)
            return next(iter(self.mailboxes.values())).email

    def mailbox(self, email: str | None = None, *, create: bool = True) -> Mailbox:
        """The mailbox of ``email`` (the default one when None)."""
        with self.lock:
            if email is None:
                email = self.default_email
            box = self.mailboxes.get(email.strip().lower())
            if box is None:
                if not create:
                    from gmail_emulator.errors import not_found

                    raise not_found()
                box = self.create_mailbox(email)
            return box

    @contextmanager
    def locked(self, email: str | None = None) -> Iterator[Mailbox]:
        with self.lock:
            yield self.mailbox(email)

    def _changed(self, email: str, history_id: int, label_ids: frozenset[str]) -> None:
        box = self.mailboxes.get(email.lower())
        if box is None or box.watch is None or not box.push_url:
            return
        watched = set(box.watch.get("labelIds") or [])
        behavior = str(box.watch.get("labelFilterBehavior") or "include").lower()
        if watched:
            hit = bool(watched & label_ids)
            if (behavior == "include" and not hit) or (behavior == "exclude" and hit):
                return
        self.push.enqueue(PushNotice(box.push_url, box.email, history_id))

    # -- counters and safety --------------------------------------------------------------

    def count_call(self, method: str) -> None:
        with self.lock:
            self.calls[method] = self.calls.get(method, 0) + 1

    def record_violation(self, email: str, method: str, detail: str) -> None:
        with self.lock:
            self.violations.append(SafetyViolation(email, method, detail, time.time()))

    def calls_snapshot(self) -> dict[str, Any]:
        with self.lock:
            units = {m: n * QUOTA_UNITS.get(m, 1) for m, n in self.calls.items()}
            return {
                "calls": dict(sorted(self.calls.items())),
                "quota_units": dict(sorted(units.items())),
                "total_calls": sum(self.calls.values()),
                "total_quota_units": sum(units.values()),
                "safety_violations": len(self.violations),
                "token_refreshes": sum(self.token_refreshes.values()),
                "faults_injected": dict(self.faults.injected),
            }

    def reset_calls(self) -> None:
        with self.lock:
            self.calls = {}
            self.faults.injected.clear()

    def set_token_revoked(self, email: str | None, *, revoked: bool = True) -> None:
        """The owner revokes the app's access (or grants it again): refreshes answer
        ``invalid_grant`` and the access tokens already issued answer 401."""
        with self.lock:
            key = self.mailbox(email).email.lower()
            if revoked:
                self.revoked.add(key)
            else:
                self.revoked.discard(key)

    def token_revoked(self, email: str) -> bool:
        with self.lock:
            return email.strip().lower() in self.revoked

    def count_refresh(self, email: str) -> None:
        with self.lock:
            self.token_refreshes[email] = self.token_refreshes.get(email, 0) + 1

    # -- faults ---------------------------------------------------------------------------

    def set_faults(self, **options: Any) -> FaultConfig:
        config = FaultConfig.from_mapping(options)
        self.faults.configure(config)
        return config

    def clear_faults(self) -> None:
        self.faults.clear()

    def dump(self, email: str | None = None) -> dict[str, Any]:
        from gmail_emulator.dump import dump_state

        with self.lock:
            return dump_state(self, email)

    def close(self) -> None:
        self.push.close()
