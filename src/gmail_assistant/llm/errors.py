"""The LLM layer's exception tree.

    LlmError                  anything that went wrong talking to a model
    ├── LlmRateLimited        429 from the provider; retried with backoff
    ├── LlmUnavailable        5xx, connection refused/reset; retried with backoff
    │   └── LlmTimeout        no answer within `timeout_seconds`; retried with backoff
    ├── LlmBadRequest         any other 4xx (bad params, auth, context too long); never retried
    └── LlmResponseError      the model answered but its output cannot be used
    LlmConfigError            a model or provider key is misconfigured (raised at start)

LiteLLM and OpenAI SDK exceptions are translated by `translate_exception` at the gateway,
so callers and retry decisions only ever match on these types.
"""

from __future__ import annotations

import asyncio

__all__ = [
    "LlmBadRequest",
    "LlmConfigError",
    "LlmError",
    "LlmRateLimited",
    "LlmResponseError",
    "LlmTimeout",
    "LlmUnavailable",
    "translate_exception",
]

_MAX_MESSAGE = 500


class LlmError(Exception):
    """Base class; `retryable` tells the gateway whether another attempt may help."""

    retryable = False

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class LlmRateLimited(LlmError):
    retryable = True

    def __init__(
        self, message: str, *, status_code: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class LlmUnavailable(LlmError):
    retryable = True


class LlmTimeout(LlmUnavailable):
    pass


class LlmBadRequest(LlmError):
    pass


class LlmResponseError(LlmError):
    pass


class LlmConfigError(ValueError):
    """Wrong LLM configuration; the message names the environment variable."""


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "…"


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get("retry-after")
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP date or garbage: fall back to our own backoff


def translate_exception(exc: BaseException) -> LlmError:
    """Map a LiteLLM/OpenAI/httpx exception onto our tree (by type name and status code).

    Matching by class name keeps this module free of a LiteLLM import; LiteLLM's classes
    subclass the OpenAI SDK's, whose names are the stable part of the contract.
    """
    if isinstance(exc, LlmError):
        return exc
    names = {cls.__name__ for cls in type(exc).__mro__}
    message = _short(exc)  # LiteLLM's messages already name their exception type
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    if names & {"Timeout", "APITimeoutError", "TimeoutException"} or isinstance(
        exc, TimeoutError | asyncio.TimeoutError
    ):
        return LlmTimeout(message, status_code=status)
    if "RateLimitError" in names or status == 429:
        return LlmRateLimited(message, retry_after=_retry_after(exc))
    if names & {"APIConnectionError", "ConnectError", "NetworkError", "RemoteProtocolError"}:
        return LlmUnavailable(message, status_code=status)
    if status is not None and status >= 500:
        return LlmUnavailable(message, status_code=status)
    if status == 408:
        return LlmTimeout(message, status_code=status)
    if status is not None and 400 <= status < 500:
        return LlmBadRequest(message, status_code=status)
    if names & {"ServiceUnavailableError", "InternalServerError", "BadGatewayError"}:
        return LlmUnavailable(message, status_code=status)
    if names & {"BadRequestError", "AuthenticationError", "NotFoundError"}:
        return LlmBadRequest(message, status_code=status)
    if "APIError" in names or "APIStatusError" in names:
        return LlmUnavailable(message, status_code=status)
    return LlmError(message, status_code=status)
