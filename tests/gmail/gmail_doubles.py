"""Test doubles for the Gmail adapter tests: a recording sleep and an `on_call` log."""

from __future__ import annotations

OWNER = "owner@example.com"


class RecordingSleep:
    """An async sleep that returns at once and remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class CallLog:
    """The `on_call` observer: every attempt as (method, status, units)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | str, int]] = []

    def __call__(self, method: str, status: int | str, units: int, seconds: float) -> None:
        assert seconds >= 0
        self.calls.append((method, status, units))

    def statuses(self, method: str) -> list[int | str]:
        return [status for m, status, _ in self.calls if m == method]
