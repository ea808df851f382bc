"""`LlmApi`: what the mail flows need of the model (the gateway implements it; tests and
benches may pass anything with the same `complete`)."""

from __future__ import annotations

from typing import Protocol

from gmail_assistant.llm.records import CallContext, LlmResult

__all__ = ["LlmApi"]


class LlmApi(Protocol):
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
    ) -> LlmResult: ...
