"""Run the emulator in-process for tests: ``with run_emulator() as emu: ...``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from gmail_emulator.app import create_app
from gmail_emulator.owner import Delivery
from gmail_emulator.state import EmulatorState

__all__ = ["RunningEmulator", "gmail_service", "run_emulator"]


class RunningEmulator:
    """A live emulator: ``url`` to point clients at, ``state`` for direct access."""

    def __init__(self, url: str, state: EmulatorState) -> None:
        self.url = url
        self.state = state

    def deliver(self, email: str | None = None, **fields: Any) -> Delivery:
        return self.state.deliver(email, **fields)

    def calls(self) -> dict[str, Any]:
        return self.state.calls_snapshot()

    def set_faults(self, **options: Any) -> None:
        self.state.set_faults(**options)

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def service(self, email: str = "owner@example.com") -> Any:
        return gmail_service(self.url, email)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def run_emulator(
    port: int = 0,
    seed_mailboxes: tuple[str, ...] = ("owner@example.com",),
    *,
    state: EmulatorState | None = None,
    max_history: int = 10_000,
) -> Iterator[RunningEmulator]:
    """Start uvicorn on 127.0.0.1 in a background thread; stop it on exit."""
    state = state or EmulatorState(seed_mailboxes=seed_mailboxes, max_history=max_history)
    port = port or _free_port()
    config = uvicorn.Config(
        create_app(state), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="gmail-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"gmail emulator did not start on port {port}")
        time.sleep(0.01)
    try:
        yield RunningEmulator(f"http://127.0.0.1:{port}", state)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        state.close()


def gmail_service(url: str, email: str = "owner@example.com") -> Any:
    """The real google-api-python-client Gmail service, pointed at the emulator."""
    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build

    credentials = Credentials(token=f"emu:{email}")
    return build(
        "gmail",
        "v1",
        credentials=credentials,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": url},
    )
