"""The gateway through real LiteLLM over HTTP against the fake OpenAI-compatible server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from llm_support import Run, Wired

from gmail_assistant.llm import (
    CallContext,
    LlmBadRequest,
    LlmCallRecord,
    LlmRateLimited,
    LlmResponseError,
    LlmTimeout,
    LlmUnavailable,
)
from gmail_assistant.llm._litellm import PRICES, get_litellm
from gmail_assistant_testing.fake_llm import FakeLlm, Fault

Wire = Callable[..., Wired]
PRICED = "openai/gma-test-priced"


@pytest.fixture(scope="module", autouse=True)
def _test_price() -> None:
    get_litellm().register_model(
        {
            PRICED: {
                "input_cost_per_token": 1e-6,
                "output_cost_per_token": 2e-6,
                "litellm_provider": "openai",
                "mode": "chat",
            }
        }
    )


def ask(wired: Wired, model: str = PRICED, **kwargs: Any) -> Any:
    return wired.gateway.complete(
        purpose=kwargs.pop("purpose", "draft"),
        model=model,
        system=kwargs.pop("system", "You write replies."),
        user=kwargs.pop("user", "Hello, can you send me the report?"),
        **kwargs,
    )


def test_success_records_one_call_with_tokens_latency_and_cost(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire()
    fake.queue("Dear Jan, here it is.")
    context = CallContext(user_id=1, email_id=2, thread_id="t-3", job_id=4)
    result = run(ask(wired, context=context, max_tokens=200, temperature=0.2))

    assert result.text == "Dear Jan, here it is."
    assert (result.attempts, result.offline, result.model) == (1, False, PRICED)
    assert result.prompt_tokens and result.completion_tokens
    assert result.cost_usd == pytest.approx(
        result.prompt_tokens * 1e-6 + result.completion_tokens * 2e-6
    )
    [record] = wired.recorder.records
    assert isinstance(record, LlmCallRecord) and record.ok
    assert (record.purpose, record.model, record.attempt) == ("draft", PRICED, 1)
    assert record.system_prompt == "You write replies."
    assert record.user_prompt == "Hello, can you send me the report?"
    assert record.response_text == result.text
    assert record.prompt_tokens == result.prompt_tokens
    assert record.cost_usd == result.cost_usd and record.latency_ms >= 0
    assert (record.user_id, record.email_id, record.thread_id, record.job_id) == (1, 2, "t-3", 4)

    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["max_tokens"] == 200 and request.body["temperature"] == 0.2
    assert request.body["messages"][0] == {"role": "system", "content": "You write replies."}
    assert "response_format" not in request.body


def test_rate_limit_then_success_retries_with_backoff(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire(max_retries=3)
    fake.queue(Fault(status=429), "ok now")
    result = run(ask(wired))

    assert (result.text, result.attempts) == ("ok now", 2)
    first, second = wired.recorder.records
    assert first.error and first.error.startswith("LlmRateLimited") and first.response_text is None
    assert second.ok and second.attempt == 2
    assert len(wired.sleeps) == 1 and 0.5 <= wired.sleeps[0] < 1.0  # base 1 s, jittered
    assert len(fake.requests) == 2  # neither LiteLLM nor the OpenAI SDK retried on their own


def test_retry_after_from_the_provider_is_honoured(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire()
    fake.queue(Fault(status=429, headers={"retry-after": "7"}), "ok")
    run(ask(wired))
    assert wired.sleeps == [7.0]


def test_server_errors_beyond_max_retries_raise_unavailable(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire(max_retries=2)
    fake.fail_next(2, status=500)
    fake.fail_next(5, status=503)
    with pytest.raises(LlmUnavailable) as info:
        run(ask(wired))

    assert info.value.status_code in (500, 503)
    assert info.value.__cause__ is not None  # the LiteLLM exception, kept for debugging
    records = wired.recorder.records
    assert [r.attempt for r in records] == [1, 2, 3]
    assert all(r.error and r.error.startswith("LlmUnavailable") for r in records)
    assert len(wired.sleeps) == 2 and wired.sleeps[1] > wired.sleeps[0] * 0.99  # backing off
    assert len(fake.requests) == 3


def test_bad_request_is_not_retried(run: Run[Any], wire: Wire, fake: FakeLlm) -> None:
    wired = wire(max_retries=3)
    fake.queue(Fault(status=400))
    with pytest.raises(LlmBadRequest):
        run(ask(wired))
    assert len(fake.requests) == 1 and wired.sleeps == []
    [record] = wired.recorder.records
    assert record.error and record.error.startswith("LlmBadRequest")


def test_auth_failure_is_a_bad_request(run: Run[Any], wire: Wire, fake: FakeLlm) -> None:
    wired = wire()
    fake.queue(Fault(status=401))
    with pytest.raises(LlmBadRequest):
        run(ask(wired))
    assert len(fake.requests) == 1


def test_timeout_raises_llm_timeout(run: Run[Any], wire: Wire, fake: FakeLlm) -> None:
    wired = wire(timeout_seconds=0.2, max_retries=1)
    fake.delay_next(2, seconds=1.0)
    with pytest.raises(LlmTimeout):
        run(ask(wired))
    records = wired.recorder.records
    assert [r.error.split(":")[0] for r in records if r.error] == ["LlmTimeout", "LlmTimeout"]


def test_rate_limited_error_type_after_exhausting_retries(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire(max_retries=0)
    fake.fail_next(1, status=429)
    with pytest.raises(LlmRateLimited):
        run(ask(wired))


def test_malformed_body_is_unavailable_and_retried(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire(max_retries=1)
    fake.queue(Fault(body="{{{ not json"), "fine")
    assert run(ask(wired)).text == "fine"
    assert wired.recorder.records[0].error


@pytest.mark.parametrize(
    "answer",
    [
        '```json\n{"category": "fyi", "confidence": 0.7}\n```',
        'Here is the classification: {"category": "fyi", "confidence": 0.7} Hope it helps!',
    ],
)
def test_json_mode_sends_response_format_and_tolerates_fences_and_prose(
    run: Run[Any], wire: Wire, fake: FakeLlm, answer: str
) -> None:
    wired = wire()
    fake.queue(answer)
    result = run(ask(wired, purpose="classify", json_mode=True))
    assert result.json() == {"category": "fyi", "confidence": 0.7}
    assert fake.requests[0].body["response_format"] == {"type": "json_object"}


def test_garbage_content_surfaces_as_response_error_on_parse(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire()
    fake.garbage_next(1)
    result = run(ask(wired, json_mode=True))
    with pytest.raises(LlmResponseError):
        result.json()


def test_empty_answer_is_a_response_error(run: Run[Any], wire: Wire, fake: FakeLlm) -> None:
    wired = wire(max_retries=3)
    fake.queue("")
    with pytest.raises(LlmResponseError, match="empty"):
        run(ask(wired))
    assert len(fake.requests) == 1


def test_concurrency_per_model_is_bounded(run: Run[Any], wire: Wire, fake: FakeLlm) -> None:
    wired = wire(max_concurrency_per_model=2)
    # Each request waits (up to 2 s, below the gateway's 5 s timeout) for a second one
    # beside it: a lone last request just answers late.
    fake.hold_until_in_flight, fake.hold_timeout_s = 2, 2.0

    async def burst() -> None:
        await asyncio.gather(*(ask(wired) for _ in range(6)))

    run(burst())
    assert len(fake.requests) == 6
    assert fake.max_in_flight == 2

    fake.reset()
    # Two models, two each: four at once. A shared limit would stall at two until the
    # fake's hold timed out, and the assertion below would fail.
    fake.hold_until_in_flight, fake.hold_timeout_s = 4, 2.0

    async def two_models() -> None:
        calls = [ask(wired, model=m) for m in (PRICED, "openai/other") for _ in range(4)]
        await asyncio.gather(*calls)

    run(two_models())
    assert fake.max_in_flight == 4  # each model has its own limit


def test_unknown_model_cost_is_none_and_never_raises(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire()
    result = run(ask(wired, model="openai/no-such-model-in-any-price-table"))
    assert result.cost_usd is None
    assert wired.recorder.records[0].ok
    # The second call of the unpriced model skips the search; a priced one is still priced.
    again = run(ask(wired, model="openai/no-such-model-in-any-price-table"))
    assert again.cost_usd is None
    priced = run(ask(wired, model=PRICED))
    assert priced.cost_usd is not None and priced.cost_usd > 0


def test_our_prices_cover_models_litellm_lacks() -> None:
    litellm = get_litellm()
    prompt_cost, completion_cost = litellm.cost_per_token(
        model="gemini/gemini-2.0-flash", prompt_tokens=1_000_000, completion_tokens=1_000_000
    )
    price = PRICES["gemini/gemini-2.0-flash"]
    assert prompt_cost == pytest.approx(price["input_cost_per_token"] * 1_000_000)
    assert completion_cost == pytest.approx(price["output_cost_per_token"] * 1_000_000)


def test_a_failing_recorder_does_not_fail_the_call(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire()

    async def broken(record: LlmCallRecord) -> None:
        raise RuntimeError("database is down")

    wired.recorder.record = broken  # type: ignore[method-assign]
    assert run(ask(wired)).text


def test_default_responder_answers_like_the_offline_model(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire()
    system = "Task: classify an email (prompt classify.v1)"
    user = "<email_data>\nFrom: a@b.cz\n\nPosílám fakturu, splatnost do pátku.\n</email_data>"
    result = run(ask(wired, purpose="classify", system=system, user=user))
    assert result.json()["category"] == "payment_request"
    assert fake.requests[0].purpose == "classify"


def test_callable_responder_sees_the_request(run: Run[Any], wire: Wire, fake: FakeLlm) -> None:
    wired = wire()
    fake.responder = lambda body: f"model was {body['model']}"
    assert run(ask(wired, model="openai/anything")).text == "model was anything"


def test_warm_up_reaches_no_provider_and_records_nothing(
    run: Run[Any], wire: Wire, fake: FakeLlm
) -> None:
    wired = wire()
    run(wired.gateway.warm_up([PRICED, PRICED, "offline/heuristic"]))
    assert fake.requests == []
    assert wired.recorder.records == []
    # The gateway works as before afterwards.
    fake.queue("Dear Jan, here it is.")
    assert run(ask(wired)).text == "Dear Jan, here it is."
