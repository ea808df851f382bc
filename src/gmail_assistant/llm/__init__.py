"""The LLM layer: one gateway to every model, through LiteLLM.

    gateway = LlmGateway(settings=settings.llm, recorder=recorder)
    result = await gateway.complete(purpose="classify", model=settings.llm.classify_model,
                                    system=..., user=..., json_mode=True)
    data = result.json()

Importing this package does not import LiteLLM; building an `LlmGateway` (or calling
`check_provider_keys`) does, once. The fake OpenAI-compatible server lives in
`gmail_assistant_testing.fake_llm` and the offline demo model in `gmail_assistant.llm.offline`.
"""

from gmail_assistant.llm.errors import (
    LlmBadRequest,
    LlmConfigError,
    LlmError,
    LlmRateLimited,
    LlmResponseError,
    LlmTimeout,
    LlmUnavailable,
)
from gmail_assistant.llm.gateway import LlmGateway
from gmail_assistant.llm.heuristics import OFFLINE_LABEL
from gmail_assistant.llm.jsonparse import extract_json_object
from gmail_assistant.llm.keys import check_provider_keys
from gmail_assistant.llm.records import (
    CallContext,
    InMemoryRecorder,
    LlmCallRecord,
    LlmCallRecorder,
    LlmResult,
)
from gmail_assistant.llm.retry import RetryPolicy

__all__ = [
    "OFFLINE_LABEL",
    "CallContext",
    "InMemoryRecorder",
    "LlmBadRequest",
    "LlmCallRecord",
    "LlmCallRecorder",
    "LlmConfigError",
    "LlmError",
    "LlmGateway",
    "LlmRateLimited",
    "LlmResponseError",
    "LlmResult",
    "LlmTimeout",
    "LlmUnavailable",
    "RetryPolicy",
    "check_provider_keys",
    "extract_json_object",
]
