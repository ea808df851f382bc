"""Fault injection for the Gmail API routes: error statuses, latency, connection resets.

Decisions are drawn from a seeded ``random.Random`` so a run with a seed is repeatable;
``fail_next`` makes the next N matching calls fail deterministically.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["FaultConfig", "FaultDecision", "FaultInjector"]


@dataclass(frozen=True)
class FaultConfig:
    error_rate: float = 0.0
    statuses: tuple[int, ...] = (429, 500, 503)
    retry_after: int | None = 1
    latency_ms: int = 0
    latency_jitter_ms: int = 0
    reset_rate: float = 0.0
    methods: tuple[str, ...] | None = None  # short names such as "messages.get"
    seed: int | None = None
    fail_next: int = 0
    # reason of injected 403s: "userRateLimitExceeded" / "rateLimitExceeded" make them rate
    # limits (retried by a careful client); the default is a permission error.
    reason: str | None = None

    @classmethod
    def from_mapping(cls, body: Mapping[str, Any]) -> FaultConfig:
        methods = body.get("methods")
        return cls(
            error_rate=float(body.get("error_rate") or 0.0),
            statuses=tuple(int(s) for s in body.get("statuses") or (429, 500, 503)),
            retry_after=None if body.get("retry_after") is None else int(body["retry_after"]),
            latency_ms=int(body.get("latency_ms") or 0),
            latency_jitter_ms=int(body.get("latency_jitter_ms") or 0),
            reset_rate=float(body.get("reset_rate") or 0.0),
            methods=tuple(methods) if methods else None,
            seed=None if body.get("seed") is None else int(body["seed"]),
            fail_next=int(body.get("fail_next") or 0),
            reason=str(body["reason"]) if body.get("reason") else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "error_rate": self.error_rate,
            "statuses": list(self.statuses),
            "retry_after": self.retry_after,
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.latency_jitter_ms,
            "reset_rate": self.reset_rate,
            "methods": list(self.methods) if self.methods else None,
            "seed": self.seed,
            "fail_next": self.fail_next,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class FaultDecision:
    latency_ms: int = 0
    status: int | None = None
    retry_after: int | None = None
    reset: bool = False
    reason: str | None = None


@dataclass
class FaultInjector:
    config: FaultConfig = field(default_factory=FaultConfig)
    injected: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def clear(self) -> None:
        self.configure(FaultConfig())

    def _count(self, kind: str) -> None:
        self.injected[kind] = self.injected.get(kind, 0) + 1

    def decide(self, method: str) -> FaultDecision:
        with self._lock:
            cfg = self.config
            if cfg.methods is not None and not _method_matches(method, cfg.methods):
                return FaultDecision()
            latency = cfg.latency_ms
            if cfg.latency_jitter_ms:
                latency += self._rng.randint(0, cfg.latency_jitter_ms)
            if latency:
                self._count("latency")
            if cfg.fail_next > 0:
                self.config = replace(cfg, fail_next=cfg.fail_next - 1)
                status = cfg.statuses[0] if cfg.statuses else 500
                self._count(str(status))
                return FaultDecision(latency, status, cfg.retry_after, reason=cfg.reason)
            if cfg.reset_rate and self._rng.random() < cfg.reset_rate:
                self._count("reset")
                return FaultDecision(latency, reset=True)
            if cfg.error_rate and cfg.statuses and self._rng.random() < cfg.error_rate:
                status = self._rng.choice(cfg.statuses)
                self._count(str(status))
                return FaultDecision(latency, status, cfg.retry_after, reason=cfg.reason)
            return FaultDecision(latency)


def _method_matches(method: str, methods: tuple[str, ...]) -> bool:
    # Accept both "messages.get" and the discovery id "gmail.users.messages.get".
    return any(method == m or m.endswith("." + method) for m in methods)
