"""Start `uvicorn src.main:app` as a child process, wait for health, stop it with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import httpx

__all__ = ["ServerProcess", "free_port", "repo_root"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def repo_root() -> Path:
    """The checkout holding `src/main.py` (the deployment runs uvicorn from there)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "src" / "main.py").is_file():
            return parent
    raise RuntimeError("cannot find the repository root (src/main.py)")


class ServerProcess:
    """The real server in its own process, exactly as the deployment starts it."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        port: int | None = None,
        log_path: Path | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.cwd = cwd or repo_root()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: BinaryIO | None = None

    def start(self, timeout: float = 180.0) -> ServerProcess:
        env = {**os.environ, **self.env}
        env.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        command = [
            sys.executable, "-m", "uvicorn", "src.main:app",
            "--host", "127.0.0.1", "--port", str(self.port),
        ]  # fmt: skip
        if self.log_path is not None:
            self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=self.cwd,
            env=env,
            stdout=self._log_file or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            self.wait_healthy(timeout)
        except BaseException:
            self.kill()  # never leave a half-started server behind
            raise
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.logs()}")
            try:
                health = httpx.get(f"{self.url}/api/health", timeout=1)
                # `starting`: listening, the app still being built (gmail_assistant.boot).
                if health.status_code == 200 and not health.json().get("starting"):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"server not healthy after {timeout}s: {self.logs()[-2000:]}")

    def logs(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM and wait: the graceful path a rolling restart takes."""
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> int:
        """SIGKILL: the crash path (OOM, kill -9, node loss)."""
        return self._signal(signal.SIGKILL, 30.0)

    def _signal(self, sig: signal.Signals, timeout: float) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self.process = None
        return code

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.terminate()
