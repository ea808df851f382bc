"""Translation of third-party exceptions and the retry decision, without a network."""

from __future__ import annotations

import httpx
import pytest

from gmail_assistant.llm import (
    LlmBadRequest,
    LlmError,
    LlmRateLimited,
    LlmTimeout,
    LlmUnavailable,
    RetryPolicy,
)
from gmail_assistant.llm._litellm import get_litellm
from gmail_assistant.llm.errors import translate_exception


def _litellm_errors() -> list[tuple[BaseException, type[LlmError]]]:
    litellm = get_litellm()
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(429, headers={"retry-after": "3"}, request=request)
    args = {"llm_provider": "openai", "model": "m"}
    return [
        (litellm.RateLimitError("slow down", response=response, **args), LlmRateLimited),
        (litellm.Timeout("too slow", **args), LlmTimeout),
        (litellm.APIConnectionError("refused", **args), LlmUnavailable),
        (litellm.ServiceUnavailableError("down", **args), LlmUnavailable),
        (litellm.InternalServerError("boom", **args), LlmUnavailable),
        (litellm.BadRequestError("bad", **args), LlmBadRequest),
        (litellm.ContextWindowExceededError("too long", **args), LlmBadRequest),
        (litellm.AuthenticationError("no key", **args), LlmBadRequest),
        (litellm.NotFoundError("no model", **args), LlmBadRequest),
    ]


def test_litellm_exceptions_map_onto_our_tree() -> None:
    for exc, expected in _litellm_errors():
        translated = translate_exception(exc)
        assert type(translated) is expected, (exc, translated)
    rate_limited = translate_exception(_litellm_errors()[0][0])
    assert isinstance(rate_limited, LlmRateLimited) and rate_limited.retry_after == 3.0


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (TimeoutError(), LlmTimeout),
        (httpx.ConnectError("refused"), LlmUnavailable),
        (ValueError("a bug"), LlmError),
    ],
)
def test_plain_exceptions(exc: BaseException, expected: type[LlmError]) -> None:
    assert type(translate_exception(exc)) is expected


def test_retry_policy_backs_off_exponentially_with_jitter_and_gives_up() -> None:
    policy = RetryPolicy(max_retries=4, base_delay=1.0, max_delay=5.0)
    busy = LlmUnavailable("503")
    assert policy.delay(busy, attempt=1, jitter=0.0) == 0.5
    assert policy.delay(busy, attempt=2, jitter=0.999) == pytest.approx(2.0, abs=0.01)
    assert policy.delay(busy, attempt=3, jitter=0.0) == 2.0
    assert policy.delay(busy, attempt=4, jitter=0.0) == 2.5  # 8 s capped at 5 s, jittered
    assert policy.delay(busy, attempt=5, jitter=0.0) is None
    assert policy.delay(LlmBadRequest("400"), attempt=1, jitter=0.0) is None
    assert policy.delay(LlmRateLimited("429", retry_after=60), attempt=1, jitter=0.0) == 5.0
    assert RetryPolicy(max_retries=0).delay(busy, attempt=1, jitter=0.0) is None
