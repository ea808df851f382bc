"""Helpers shared by the LLM tests (imported by name: tests/llm is on pytest's pythonpath)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gmail_assistant.llm import InMemoryRecorder, LlmGateway

T = TypeVar("T")
Run = Callable[[Coroutine[Any, Any, T]], T]


@dataclass
class Wired:
    gateway: LlmGateway
    recorder: InMemoryRecorder
    sleeps: list[float] = field(default_factory=list)
