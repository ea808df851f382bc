"""Building `GmailClient`s from `Settings`: credentials, endpoint, a shared quota budget."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from google.auth.credentials import Credentials

from gmail_assistant.gmail.auth import TokenAlerts, load_credentials
from gmail_assistant.gmail.budget import BudgetRegistry
from gmail_assistant.gmail.client import GmailClient
from gmail_assistant.gmail.transport import CallObserver, SleepFn
from gmail_assistant.settings import AuthSettings, Settings

__all__ = ["GmailClientFactory", "build_gmail_client"]

CredentialsLoader = Callable[[AuthSettings, str], Credentials]


def _load(auth: AuthSettings, email: str) -> Credentials:
    # In service_account mode the user's email is whom we impersonate.
    subject = (auth.subject or email) if auth.mode == "service_account" else None
    return load_credentials(auth, subject=subject)


def build_gmail_client(
    settings: Settings,
    email: str,
    *,
    budgets: BudgetRegistry | None = None,
    sleep: SleepFn = asyncio.sleep,
    on_call: CallObserver | None = None,
    credentials: Credentials | None = None,
) -> GmailClient:
    """A client for ``email``'s mailbox as configured (auth, GMA_GMAIL_API_ENDPOINT, quota)."""
    registry = budgets or BudgetRegistry(units_per_second=settings.gmail.quota_units_per_second)
    return GmailClient(
        credentials=credentials or _load(settings.auth, email),
        api_endpoint=settings.gmail.api_endpoint,
        budget=registry.get(email),
        max_retries=settings.gmail.max_retries,
        sleep=sleep,
        on_call=on_call,
    )


class GmailClientFactory:
    """One client per user email, built on first use and reused by every job of that user."""

    def __init__(
        self,
        *,
        settings: Settings,
        sleep: SleepFn = asyncio.sleep,
        on_call: CallObserver | None = None,
        credentials_loader: CredentialsLoader = _load,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._on_call = on_call
        self._load = credentials_loader
        self.budgets = BudgetRegistry(units_per_second=settings.gmail.quota_units_per_second)
        self.token_alerts = TokenAlerts()
        self._clients: dict[str, GmailClient] = {}
        self._lock = threading.Lock()

    def for_user(self, email: str) -> GmailClient:
        key = email.strip().lower()
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = build_gmail_client(
                    self._settings,
                    key,
                    budgets=self.budgets,
                    sleep=self._sleep,
                    on_call=self.token_alerts.observer(key, self._on_call),
                    credentials=self._load(self._settings.auth, key),
                )
                self._clients[key] = client
            return client

    def close(self) -> None:
        """Close every client's connections (at shutdown)."""
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            client.close()
