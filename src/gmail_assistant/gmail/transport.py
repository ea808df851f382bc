"""Running googleapiclient requests: in threads, within the quota budget, retried by our policy.

googleapiclient is blocking and httplib2 is not thread-safe, so every worker thread gets
its own ``AuthorizedHttp`` (thread-local) and every call runs in ``asyncio.to_thread``.
googleapiclient's ``num_retries`` is never used: it sleeps at random and cannot be
observed; retries happen here, with an injectable ``sleep``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials

from gmail_assistant.gmail.budget import QuotaBudget, units_for
from gmail_assistant.gmail.errors import GmailError, GmailUnavailable, translate_error
from gmail_assistant.gmail.retry import RetryPolicy
from gmail_assistant.slots import waiting

__all__ = ["CallObserver", "Executor", "SleepFn"]

logger = logging.getLogger(__name__)

SleepFn = Callable[[float], Awaitable[object]]


class CallObserver(Protocol):
    """Told about every HTTP attempt: method, status (int or a word), quota units spent, and
    the seconds the attempt took (thread hand-off included, retry sleeps not)."""

    def __call__(self, method: str, status: int | str, units: int, seconds: float) -> None: ...


class _Request(Protocol):
    def execute(self, http: Any = None, num_retries: int = 0) -> Any: ...


class Executor:
    """Executes prepared googleapiclient requests for one client."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        budget: QuotaBudget,
        policy: RetryPolicy,
        sleep: SleepFn = asyncio.sleep,
        on_call: CallObserver | None = None,
        timeout: float = 30.0,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._credentials = credentials
        self._budget = budget
        self._policy = policy
        self._sleep = sleep
        self._on_call = on_call
        self._timeout = timeout
        self._jitter = jitter
        self._local = threading.local()
        # Every thread's connection, so close() can reach the ones of other threads.
        self._open: set[google_auth_httplib2.AuthorizedHttp] = set()
        self._open_lock = threading.Lock()

    def _http(self) -> google_auth_httplib2.AuthorizedHttp:
        http = getattr(self._local, "http", None)
        if http is None:
            http = google_auth_httplib2.AuthorizedHttp(
                self._credentials, http=httplib2.Http(timeout=self._timeout)
            )
            self._local.http = http
            with self._open_lock:
                self._open.add(http)
        return http

    def _discard_http(self) -> None:
        http = getattr(self._local, "http", None)
        self._local.http = None
        if http is not None:
            with self._open_lock:
                self._open.discard(http)
            http.close()

    def close(self) -> None:
        """Close every thread's connections; a later call simply opens new ones."""
        with self._open_lock:
            pending, self._open = self._open, set()
        for http in pending:
            http.close()

    def _run(self, method: str, make: Callable[[], _Request]) -> Any:
        try:
            return make().execute(http=self._http())
        except Exception as exc:
            error = translate_error(exc, method)
            if error is None:
                raise
            if isinstance(error, GmailUnavailable):
                # A reset connection may be half-open: start the next attempt on a fresh one.
                self._discard_http()
            raise error from exc

    def _observe(self, method: str, status: int | str, units: int, started: float) -> None:
        if self._on_call is None:
            return
        try:
            self._on_call(method, status, units, time.perf_counter() - started)
        except Exception:  # metrics must never fail a Gmail call
            logger.exception("gmail on_call observer failed")

    async def call(self, method: str, make: Callable[[], _Request]) -> Any:
        """Run ``make().execute()`` for ``method`` (e.g. ``"messages.get"``) with retries."""
        units = units_for(method)
        attempt = 0
        while True:
            attempt += 1
            await self._budget.acquire(units)
            started = time.perf_counter()
            try:
                result = await asyncio.to_thread(self._run, method, make)
            except GmailError as error:
                self._observe(method, error.status, units, started)
                decision = self._policy.decide(error, attempt, jitter=self._jitter())
                if not decision.retry:
                    raise
                logger.info(
                    "gmail call retried",
                    extra={
                        "method": method,
                        "status": error.status,
                        "attempt": attempt,
                        "delay": round(decision.delay, 3),
                    },
                )
                async with waiting():  # a backoff (429: Gmail's named time) holds no slot
                    await self._sleep(decision.delay)
                continue
            self._observe(method, 200, units, started)
            return result
