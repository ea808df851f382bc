"""`LlmGateway`: the one door to the models.

Each call goes through the real `litellm.acompletion` (also for the offline model) with
LiteLLM's own retries off; ours wrap it: a semaphore per model bounds concurrency, retryable
errors (rate limits, 5xx, timeouts) back off with jitter, and every attempt, failed or not,
is handed to the recorder as one `LlmCallRecord`. Cost lookup and the `response_format`
capability check are best effort and never fail a call.

Building a gateway does not import LiteLLM (seconds of CPU): the server answers its health
probe first. `load()` imports it in a thread — the warm-up calls it right after start — and
a call that comes earlier awaits the same import instead of starting another.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, TypeVar

from gmail_assistant.llm._litellm import OFFLINE_PROVIDER, get_litellm, litellm_if_loaded
from gmail_assistant.llm.errors import LlmError, LlmResponseError, translate_exception
from gmail_assistant.llm.records import (
    CallContext,
    ChatTurn,
    LlmCallRecord,
    LlmCallRecorder,
    LlmResult,
    ToolCall,
)
from gmail_assistant.llm.retry import RetryPolicy
from gmail_assistant.settings import LlmSettings
from gmail_assistant.slots import waiting

__all__ = ["LlmGateway", "Sleep"]

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[object]]
_R = TypeVar("_R", LlmResult, ChatTurn)


def _is_offline(model: str) -> bool:
    return model.startswith(f"{OFFLINE_PROVIDER}/")


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) else None


class LlmGateway:
    def __init__(
        self,
        *,
        settings: LlmSettings,
        recorder: LlmCallRecorder,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self._settings = settings
        self._recorder = recorder
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._policy = retry_policy or RetryPolicy(max_retries=settings.max_retries)
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._json_support: dict[str, bool] = {}
        self._unpriced: set[str] = set()
        self._module: ModuleType | None = None

    @property
    def _litellm(self) -> ModuleType:
        # Synchronous paths after `load()` find it ready; before, they import it here.
        if self._module is None:
            self._module = get_litellm()
        return self._module

    async def load(self) -> None:
        """Import LiteLLM off the event loop (once per process; concurrent callers share it)."""
        if self._module is None:
            self._module = litellm_if_loaded() or await asyncio.to_thread(get_litellm)

    async def complete(
        self,
        *,
        purpose: str,
        model: str,
        system: str,
        user: str,
        json_mode: bool = False,
        max_tokens: int | None = None,
        temperature: float | None = None,
        context: CallContext | None = None,
    ) -> LlmResult:
        """Ask `model`; retry what may pass next time; raise an `LlmError` otherwise."""
        await self.load()
        kwargs = self._request(model, system, user, json_mode, max_tokens, temperature)
        return await self._call(purpose, model, kwargs, system, user, context, self._result)

    async def chat(
        self,
        *,
        purpose: str,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        max_tokens: int | None = None,
        temperature: float | None = None,
        context: CallContext | None = None,
    ) -> ChatTurn:
        """One turn of a tool-calling conversation (OpenAI function format): the model's
        text and/or tool calls. Recorded and retried like `complete`; the record's user
        prompt is the conversation after the system message, as JSON."""
        system = "\n\n".join(str(m.get("content") or "") for m in messages if m["role"] == "system")
        rest = [m for m in messages if m["role"] != "system"]
        user = json.dumps(rest, ensure_ascii=False, default=str)
        await self.load()
        kwargs = self._request(model, system, user, False, max_tokens, temperature)
        kwargs["messages"] = messages
        if tools:
            kwargs["tools"] = tools
            kwargs["tool_choice"] = "auto"
        return await self._call(purpose, model, kwargs, system, user, context, self._turn)

    async def _call(
        self,
        purpose: str,
        model: str,
        kwargs: dict[str, Any],
        system: str,
        user: str,
        context: CallContext | None,
        parse: Callable[[Any, str, float, int], _R],
    ) -> _R:
        context = context or CallContext()
        await self.load()
        attempt = 0
        while True:
            attempt += 1
            started = self._clock()
            try:
                # The job's worker slot serves another job while this one waits, for the
                # model's concurrency limit as for its answer.
                async with waiting(), self._semaphore(model):
                    started = self._clock()  # queueing for the semaphore is not latency
                    response = await self._litellm.acompletion(**kwargs)
                result = parse(response, model, started, attempt)
            except Exception as exc:
                error = translate_exception(exc)
                latency = self._elapsed_ms(started)
                await self._record(purpose, model, system, user, context, attempt, latency, error)
                wait = self._policy.delay(error, attempt=attempt, jitter=self._jitter())
                logger.warning(
                    "llm call failed",
                    extra={
                        "purpose": purpose,
                        "model": model,
                        "attempt": attempt,
                        "error": type(error).__name__,
                        "retry_in_s": wait,
                        "job_id": context.job_id,
                        "thread_id": context.thread_id,
                    },
                )
                if wait is None:
                    if error is exc:
                        raise
                    raise error from exc
                async with waiting():
                    await self._sleep(wait)
                continue
            await self._record(
                purpose, model, system, user, context, attempt, result.latency_ms, None, result
            )
            return result

    async def warm_up(self, models: Iterable[str]) -> None:
        """One canned answer per model through LiteLLM (`mock_response`: nothing leaves the
        process, nothing is recorded), so its one-time setup — a few hundred milliseconds
        of lazy imports and response-schema builds — does not land on the first mail."""
        await self.load()
        for model in dict.fromkeys(models):
            kwargs = self._request(model, "warm-up", "warm-up", True, 16, None)
            await self._litellm.acompletion(**kwargs, mock_response="{}")

    def _request(
        self,
        model: str,
        system: str,
        user: str,
        json_mode: bool,
        max_tokens: int | None,
        temperature: float | None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "timeout": self._settings.timeout_seconds,
            "num_retries": 0,  # retries are ours: they are recorded and use our backoff
            "drop_params": True,  # e.g. temperature on a model that refuses it
        }
        if self._settings.api_base and not _is_offline(model):
            kwargs["api_base"] = self._settings.api_base
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        if temperature is not None:
            kwargs["temperature"] = temperature
        if json_mode and self.supports_json_mode(model):
            kwargs["response_format"] = {"type": "json_object"}
        return kwargs

    def supports_json_mode(self, model: str) -> bool:
        """Whether the provider takes `response_format`; False when LiteLLM cannot tell."""
        if model not in self._json_support:
            try:
                params = self._litellm.get_supported_openai_params(model=model) or []
                supported = "response_format" in params
            except Exception:
                supported = False
            self._json_support[model] = supported
        return self._json_support[model]

    def _semaphore(self, model: str) -> asyncio.Semaphore:
        if model not in self._semaphores:
            self._semaphores[model] = asyncio.Semaphore(self._settings.max_concurrency_per_model)
        return self._semaphores[model]

    def _elapsed_ms(self, started: float) -> int:
        return max(0, round((self._clock() - started) * 1000))

    def _result(self, response: Any, model: str, started: float, attempt: int) -> LlmResult:
        latency = self._elapsed_ms(started)
        try:
            text = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError) as exc:
            raise LlmResponseError(f"answer without a message: {exc}") from exc
        if not isinstance(text, str) or not text.strip():
            raise LlmResponseError("empty answer")
        usage = getattr(response, "usage", None)
        return LlmResult(
            text=text,
            model=model,  # as configured; providers report bare or dated names
            prompt_tokens=_int_or_none(getattr(usage, "prompt_tokens", None)),
            completion_tokens=_int_or_none(getattr(usage, "completion_tokens", None)),
            latency_ms=latency,
            cost_usd=self._cost(response, model),
            offline=_is_offline(model),
            attempts=attempt,
        )

    def _turn(self, response: Any, model: str, started: float, attempt: int) -> ChatTurn:
        latency = self._elapsed_ms(started)
        try:
            message = response.choices[0].message
        except (AttributeError, IndexError, TypeError) as exc:
            raise LlmResponseError(f"answer without a message: {exc}") from exc
        calls: list[ToolCall] = []
        for index, call in enumerate(getattr(message, "tool_calls", None) or ()):
            function = getattr(call, "function", None)
            name = getattr(function, "name", None)
            if not name:
                raise LlmResponseError("tool call without a function name")
            arguments = getattr(function, "arguments", None)
            calls.append(
                ToolCall(
                    id=str(getattr(call, "id", None) or f"call_{attempt}_{index}"),
                    name=str(name),
                    arguments=arguments if isinstance(arguments, str) else json.dumps(arguments),
                )
            )
        text = message.content if isinstance(message.content, str) else ""
        if not calls and not text.strip():
            raise LlmResponseError("empty answer")
        usage = getattr(response, "usage", None)
        return ChatTurn(
            text=text,
            tool_calls=tuple(calls),
            model=model,
            prompt_tokens=_int_or_none(getattr(usage, "prompt_tokens", None)),
            completion_tokens=_int_or_none(getattr(usage, "completion_tokens", None)),
            latency_ms=latency,
            cost_usd=self._cost(response, model),
            offline=_is_offline(model),
            attempts=attempt,
        )

    def _cost(self, response: Any, model: str) -> float | None:
        if _is_offline(model):
            return 0.0
        # LiteLLM already priced the response while building it; pricing it again costs a
        # few milliseconds of CPU per call in the event loop.
        hidden = getattr(response, "_hidden_params", None)
        known = hidden.get("response_cost") if isinstance(hidden, dict) else None
        if isinstance(known, int | float) and known >= 0:
            return float(known)
        if model in self._unpriced:
            return None
        try:
            return float(self._litellm.completion_cost(completion_response=response, model=model))
        except Exception:  # unknown model or price: the call itself succeeded
            # LiteLLM's search for a price costs milliseconds; it will not find one next time.
            self._unpriced.add(model)
            logger.info("no price for model", extra={"model": model})
            return None

    async def _record(
        self,
        purpose: str,
        model: str,
        system: str,
        user: str,
        context: CallContext,
        attempt: int,
        latency_ms: int,
        error: LlmError | None,
        result: LlmResult | ChatTurn | None = None,
    ) -> None:
        record = LlmCallRecord(
            purpose=purpose,
            model=model,
            system_prompt=system,
            user_prompt=user,
            response_text=result.response_text if result else None,
            prompt_tokens=result.prompt_tokens if result else None,
            completion_tokens=result.completion_tokens if result else None,
            latency_ms=latency_ms,
            cost_usd=result.cost_usd if result else None,
            error=f"{type(error).__name__}: {error}" if error else None,
            attempt=attempt,
            created_at=datetime.now(UTC),
            user_id=context.user_id,
            email_id=context.email_id,
            thread_id=context.thread_id,
            job_id=context.job_id,
        )
        try:
            await self._recorder.record(record)
        except Exception:  # losing an audit row must not lose the model's answer
            logger.exception("could not record llm call", extra={"purpose": purpose})
