"""Quota budget (token bucket on a fake clock), retry policy and error translation: pure logic."""

from __future__ import annotations

import asyncio
import json

import httplib2
import pytest
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from gmail_assistant.gmail.budget import BudgetRegistry, QuotaBudget, units_for
from gmail_assistant.gmail.errors import (
    GmailAuthError,
    GmailBadRequest,
    GmailConflict,
    GmailError,
    GmailNotFound,
    GmailRateLimited,
    GmailUnavailable,
    parse_retry_after,
    translate_error,
)
from gmail_assistant.gmail.retry import RetryPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_spends_then_waits_proportionally() -> None:
    clock = FakeClock()
    budget = QuotaBudget(units_per_second=10, clock=clock, sleep=clock.sleep)
    assert budget.reserve(10) == 0.0
    assert budget.reserve(5) == pytest.approx(0.5)
    assert budget.reserve(5) == pytest.approx(1.0)  # queued behind the previous caller
    clock.now += 1.0
    assert budget.available() == pytest.approx(0.0)
    clock.now += 100.0
    assert budget.available() == pytest.approx(10.0)  # never above capacity


def test_acquire_sleeps_on_the_injected_sleep() -> None:
    clock = FakeClock()
    budget = QuotaBudget(units_per_second=250, clock=clock, sleep=clock.sleep)

    async def burst() -> None:
        for _ in range(60):  # 60 messages.get = 300 units, 50 over the bucket
            await budget.acquire(units_for("messages.get"))

    asyncio.run(burst())
    assert sum(clock.slept) == pytest.approx(50 / 250)


def test_call_dearer_than_bucket_still_runs() -> None:
    clock = FakeClock()
    budget = QuotaBudget(units_per_second=20, clock=clock, sleep=clock.sleep)
    assert budget.reserve(units_for("users.watch")) == 0.0
    assert budget.reserve(1) == pytest.approx(1 / 20)


def test_method_units_follow_google_table() -> None:
    assert units_for("history.list") == 2
    assert units_for("messages.get") == 5
    assert units_for("threads.modify") == 10
    assert units_for("drafts.update") == 15
    assert units_for("messages.batchModify") == 50
    assert units_for("users.watch") == 100
    assert units_for("labels.create") == 1


def test_registry_shares_one_budget_per_user() -> None:
    registry = BudgetRegistry(units_per_second=100)
    assert registry.get("Owner@Example.com") is registry.get("owner@example.com")
    assert registry.get("a@example.com") is not registry.get("b@example.com")
    assert registry.get("a@example.com").rate == 100


POLICY = RetryPolicy(max_retries=3, base_delay=1.0, max_delay=8.0, max_retry_after=60.0)


@pytest.mark.parametrize(
    "error",
    [GmailRateLimited("x"), GmailUnavailable("x", status=500), GmailUnavailable("reset")],
)
def test_transient_errors_retry_with_growing_delay(error: GmailError) -> None:
    delays = [POLICY.decide(error, attempt, jitter=1.0) for attempt in (1, 2, 3, 4, 5)]
    assert [d.retry for d in delays] == [True, True, True, False, False]
    assert [d.delay for d in delays[:3]] == [1.0, 2.0, 4.0]


def test_jitter_stays_within_half_to_full_step() -> None:
    low = POLICY.decide(GmailUnavailable("x"), 3, jitter=0.0).delay
    high = POLICY.decide(GmailUnavailable("x"), 3, jitter=0.999).delay
    assert low == 2.0 and 2.0 < high <= 4.0
    assert POLICY.decide(GmailUnavailable("x"), 3, jitter=5.0).delay == 4.0


def test_backoff_is_capped() -> None:
    assert POLICY.decide(GmailUnavailable("x"), 3, jitter=1.0).delay == 4.0
    policy = RetryPolicy(max_retries=10, base_delay=1.0, max_delay=8.0)
    assert policy.decide(GmailUnavailable("x"), 9, jitter=1.0).delay == 8.0


def test_retry_after_is_honoured_and_capped() -> None:
    decision = POLICY.decide(GmailRateLimited("x", retry_after=7), 1, jitter=0.0)
    assert decision.retry and decision.delay == 7.0
    assert POLICY.decide(GmailRateLimited("x", retry_after=3600), 1).delay == 60.0


@pytest.mark.parametrize(
    "error",
    [GmailBadRequest("x"), GmailNotFound("x"), GmailAuthError("x"), GmailConflict("x")],
)
def test_permanent_errors_fail_at_once(error: GmailError) -> None:
    assert not POLICY.decide(error, 1).retry


def _http_error(status: int, reason: str = "", retry_after: str | None = None) -> HttpError:
    headers = {"status": str(status)}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    body = {"error": {"code": status, "message": "m", "errors": [{"reason": reason}]}}
    return HttpError(httplib2.Response(headers), json.dumps(body).encode())


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (400, "invalidArgument", GmailBadRequest),
        (401, "authError", GmailAuthError),
        (403, "insufficientPermissions", GmailAuthError),
        (403, "userRateLimitExceeded", GmailRateLimited),
        (404, "notFound", GmailNotFound),
        (409, "alreadyExists", GmailConflict),
        (429, "rateLimitExceeded", GmailRateLimited),
        (500, "backendError", GmailUnavailable),
        (503, "backendError", GmailUnavailable),
    ],
)
def test_http_errors_translate(status: int, reason: str, kind: type[GmailError]) -> None:
    error = translate_error(_http_error(status, reason), "messages.get")
    assert type(error) is kind
    assert error.status == status and error.reason == reason


def test_retry_after_header_is_read() -> None:
    error = translate_error(_http_error(429, "rateLimitExceeded", "12"), "messages.get")
    assert isinstance(error, GmailRateLimited) and error.retry_after == 12.0


def test_http_error_with_non_json_body() -> None:
    exc = HttpError(httplib2.Response({"status": "502"}), b"<html>Bad gateway</html>")
    assert isinstance(translate_error(exc, "messages.get"), GmailUnavailable)


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionResetError(104, "reset"),
        TimeoutError(),
        TimeoutError(),
        httplib2.ServerNotFoundError("no dns"),
        TransportError("token endpoint down"),
    ],
)
def test_connection_errors_are_unavailable(exc: BaseException) -> None:
    assert isinstance(translate_error(exc, "messages.get"), GmailUnavailable)


def test_refresh_errors() -> None:
    assert isinstance(translate_error(RefreshError("invalid_grant"), "x"), GmailAuthError)
    retryable = RefreshError("server error", retryable=True)
    assert isinstance(translate_error(retryable, "x"), GmailUnavailable)
    assert translate_error(ValueError("mine"), "x") is None


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_a_job_backing_off_gives_its_worker_slot_up() -> None:
    """While a call waits out Gmail's 429 the job's slot serves another job; it is the
    job's again when the call goes through."""
    from google.oauth2.credentials import Credentials

    from gmail_assistant.gmail.transport import Executor
    from gmail_assistant.slots import Slots, holding

    slots = Slots(1)
    free_while_backing_off: list[int] = []
    answers: list[BaseException | dict[str, str]] = [
        _http_error(429, "rateLimitExceeded"),
        {"ok": "yes"},
    ]

    class Request:
        def execute(self, http: object = None, num_retries: int = 0) -> dict[str, str]:
            answer = answers.pop(0)
            if isinstance(answer, BaseException):
                raise answer
            return answer

    async def sleep(seconds: float) -> None:
        free_while_backing_off.append(slots.free)

    executor = Executor(
        credentials=Credentials(token="t"),
        budget=QuotaBudget(),
        policy=RetryPolicy(),
        sleep=sleep,
    )

    async def job() -> tuple[object, int, bool]:
        await slots.acquire()
        with holding(slots) as held:
            result = await executor.call("messages.get", Request)
            return result, slots.free, held.held

    assert asyncio.run(job()) == ({"ok": "yes"}, 0, True)
    assert free_while_backing_off == [1]
