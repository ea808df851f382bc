"""A scriptable OpenAI-compatible chat server for tests and benches (never the product).

LiteLLM reaches it with model `openai/<anything>`, `api_base=<fake.base_url>` and any
`OPENAI_API_KEY`. By default it answers like the offline model (classification JSON for
classify prompts, labelled template replies for drafts). Tests script it:

    with run_fake_llm(latency_by_purpose={"draft": 300}) as fake:
        fake.queue('{"category": "fyi", ...}', Fault(status=429))  # next answers, in order
        fake.fail_next(2, status=503)         # the next 2 requests get 503
        fake.fail_rate(0.1, status=500)       # then 10% of requests fail (seeded)
        fake.delay_next(1, seconds=2.0)       # an answer later than the client's timeout
        fake.garbage_next(1)                  # 200 with unparseable content
        fake.queue_tool_calls(ToolCall("read_thread", {"thread_id": "t1"}))  # a tool-call turn
        fake.responder = lambda body: "..."   # compute answers from the request JSON
        ... fake.requests[-1].user, fake.max_in_flight ...

Another process can script it over HTTP: `POST /_fake/faults` with a `Fault`-shaped JSON
plus `count` (or `rate`), `POST /_fake/reset`, `GET /_fake/stats`.
Run standalone: `python -m gmail_assistant_testing.fake_llm --port 8765`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gmail_assistant.llm.heuristics import (
    detect_purpose,
    estimate_tokens,
    offline_reply,
    split_messages,
)

__all__ = ["FakeLlm", "Fault", "ReceivedRequest", "ToolCall", "create_app", "run_fake_llm"]

Responder = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class ToolCall:
    """One function call in a scripted assistant turn; a str `arguments` is sent as written."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)

    def as_openai(self, index: int) -> dict[str, Any]:
        args = self.arguments
        return {
            "id": f"call_{index}",
            "type": "function",
            "function": {
                "name": self.name,
                "arguments": args if isinstance(args, str) else json.dumps(args),
            },
        }


@dataclass(frozen=True)
class Fault:
    """One scripted answer: an HTTP error, fixed content, tool calls, a raw body, a delay.

    `tool_calls` (ToolCall values, or `{"name", "arguments"}` dicts over HTTP) make the
    answer an OpenAI assistant message with `tool_calls` and `finish_reason: tool_calls`;
    `content`, if also set, goes alongside them.
    """

    status: int | None = None
    content: str | None = None
    body: str | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    tool_calls: tuple[ToolCall | dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    body: dict[str, Any]
    purpose: str
    system: str
    user: str

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))


class FakeLlm:
    """The server's state and script; safe to drive from the test thread."""

    def __init__(
        self,
        *,
        latency_ms: float = 0,
        latency_by_purpose: dict[str, float] | None = None,
        responder: Responder | None = None,
        seed: int = 0,
    ) -> None:
        self.latency_ms = latency_ms
        self.latency_by_purpose = dict(latency_by_purpose or {})
        self.responder = responder
        self.port = 0
        self.requests: list[ReceivedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        # Hold each request until this many are in flight at once (or `hold_timeout_s`
        # passed): overlap becomes a fact a test can assert, not a matter of timing.
        self.hold_until_in_flight = 0
        self.hold_timeout_s = 10.0
        self._script: deque[Fault] = deque()
        self._rate = 0.0
        self._rate_status = 500
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def queue(self, *answers: str | Fault) -> None:
        """Answer the next requests with these, in order (a str is the reply content)."""
        with self._lock:
            self._script.extend(a if isinstance(a, Fault) else Fault(content=a) for a in answers)

    def queue_tool_calls(self, *calls: ToolCall, content: str | None = None) -> None:
        """Answer the next request with one assistant turn asking for these tool calls."""
        self.queue(Fault(content=content, tool_calls=calls))

    def fail_next(self, count: int, *, status: int = 500) -> None:
        self.queue(*[Fault(status=status)] * count)

    def delay_next(self, count: int, *, seconds: float) -> None:
        self.queue(*[Fault(delay_s=seconds)] * count)

    def garbage_next(self, count: int, *, content: str = "Sure! {not json at all") -> None:
        self.queue(*[Fault(content=content)] * count)

    def fail_rate(self, rate: float, *, status: int = 500) -> None:
        """Once the script is empty, fail this share of requests (seeded, reproducible)."""
        with self._lock:
            self._rate, self._rate_status = rate, status

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._rate = 0.0
            self.requests.clear()
            self.in_flight = self.max_in_flight = 0
            self.hold_until_in_flight = 0
            self.responder = None

    def _begin(self, received: ReceivedRequest) -> Fault | None:
        with self._lock:
            self.requests.append(received)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self._script:
                return self._script.popleft()
            if self._rate and self._random.random() < self._rate:
                return Fault(status=self._rate_status)
            return None

    def _end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _content(self, received: ReceivedRequest) -> str:
        if self.responder is not None:
            return self.responder(received.body)
        return offline_reply(received.system, received.user, received.model)


def _error(status: int, headers: dict[str, str]) -> JSONResponse:
    kind = {429: "rate_limit_exceeded", 400: "invalid_request_error", 401: "invalid_api_key"}
    body = {
        "error": {
            "message": f"fake server: scripted HTTP {status}",
            "type": kind.get(status, "server_error"),
            "param": None,
            "code": kind.get(status, "server_error"),
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _tool_call_message(fault: Fault) -> dict[str, Any]:
    calls = [
        (c if isinstance(c, ToolCall) else ToolCall(**c)).as_openai(i)
        for i, c in enumerate(fault.tool_calls)
    ]
    return {"role": "assistant", "content": fault.content, "tool_calls": calls}


def _completion(
    model: str, content: str, prompt_tokens: int, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    if message is None:
        message = {"role": "assistant", "content": content}
    completion_tokens = estimate_tokens(json.dumps(message) if "tool_calls" in message else content)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if "tool_calls" in message else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def create_app(fake: FakeLlm) -> FastAPI:
    app = FastAPI(title="fake OpenAI-compatible LLM")

    async def chat(request: Request) -> Response:
        # The configured latency is the time to answer, as a provider's would be: the
        # fake's own work (parsing, the heuristic answer) is inside it, not added to it.
        arrived = time.monotonic()
        body = await request.json()
        system, user = split_messages(list(body.get("messages") or []))
        model = str(body.get("model", ""))
        received = ReceivedRequest(
            request.url.path, body, detect_purpose(system, user, model), system, user
        )
        fault = fake._begin(received)
        try:
            deadline = arrived + fake.hold_timeout_s
            # in_flight moves in other requests' tasks (and threads): a short poll is simplest.
            while fake.in_flight < fake.hold_until_in_flight and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            latency = fake.latency_by_purpose.get(received.purpose, fake.latency_ms) / 1000
            answer: Response
            if fault and fault.status:
                answer = _error(fault.status, fault.headers)
            elif fault and fault.body is not None:
                answer = Response(fault.body, media_type="application/json")
            elif fault and fault.tool_calls:
                prompt_tokens = estimate_tokens(system) + estimate_tokens(user)
                message = _tool_call_message(fault)
                answer = JSONResponse(_completion(model, "", prompt_tokens, message))
            else:
                content = fault.content if fault and fault.content is not None else None
                if content is None:
                    content = fake._content(received)
                prompt_tokens = estimate_tokens(system) + estimate_tokens(user)
                answer = JSONResponse(_completion(model, content, prompt_tokens))
            delay = latency - (time.monotonic() - arrived) + (fault.delay_s if fault else 0.0)
            await asyncio.sleep(max(delay, 0.0))
            return answer
        finally:
            fake._end()

    app.add_api_route("/v1/chat/completions", chat, methods=["POST"])
    app.add_api_route("/chat/completions", chat, methods=["POST"])

    @app.post("/_fake/faults")
    async def faults(spec: dict[str, Any]) -> dict[str, str]:
        count, rate = int(spec.pop("count", 1)), spec.pop("rate", None)
        if rate is not None:
            fake.fail_rate(float(rate), status=int(spec.get("status", 500)))
        else:
            fake.queue(*[Fault(**spec)] * count)
        return {"status": "ok"}

    @app.post("/_fake/reset")
    async def reset() -> dict[str, str]:
        fake.reset()
        return {"status": "ok"}

    @app.get("/_fake/stats")
    async def stats() -> dict[str, int]:
        return {"requests": len(fake.requests), "max_in_flight": fake.max_in_flight}

    return app


@contextmanager
def run_fake_llm(
    port: int = 0,
    *,
    latency_ms: float = 0,
    latency_by_purpose: dict[str, float] | None = None,
    responder: Responder | None = None,
    seed: int = 0,
) -> Iterator[FakeLlm]:
    """Serve a `FakeLlm` on 127.0.0.1 from a background thread for the `with` block."""
    import uvicorn

    fake = FakeLlm(
        latency_ms=latency_ms,
        latency_by_purpose=latency_by_purpose,
        responder=responder,
        seed=seed,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    fake.port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(fake),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,  # a scripted delay must not hold up the exit
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="fake-llm", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("fake LLM server did not start")
        time.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fake OpenAI-compatible LLM server.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--classify-latency-ms", type=float)
    parser.add_argument("--draft-latency-ms", type=float)
    args = parser.parse_args()
    by_purpose = {
        purpose: value
        for purpose, value in (
            ("classify", args.classify_latency_ms),
            ("draft", args.draft_latency_ms),
            ("rework", args.draft_latency_ms),
        )
        if value is not None
    }
    with run_fake_llm(args.port, latency_ms=args.latency_ms, latency_by_purpose=by_purpose) as fake:
        print(f"fake LLM at {fake.base_url} (model openai/<anything>); Ctrl-C to stop", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
