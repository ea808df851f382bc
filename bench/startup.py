"""Start to healthy: process spawn → first 200 on /api/health, for the real server process.

Starts `uvicorn src.main:app` the way the deployment does (a fresh SQLite file each run),
polls /api/health every 10 ms, and prints min/median/max over several runs; then the same
under a 0.5-CPU limit, the Deployment's `limits.cpu: 500m`. Three moments per start: the first
200 (what the probes see; the app may still be building, `"starting": true`), the app ready
(routes served, database upgraded), and the log line saying the warm-up finished (LiteLLM
imported in the background): from then on, jobs do not wait for it.

The CPU limit, first that works here:
  1. cgroup v2: a child group with `cpu.max = "50000 100000"`;
  2. cgroup v1: the `cpu` controller with `cpu.cfs_quota_us = 50000`, `cpu.cfs_period_us = 100000`
     (the same CFS quota the kubelet sets for 500m);
  3. else one core (sched_setaffinity, as `taskset -c 0`) and a SIGSTOP/SIGCONT duty cycle of
     50 ms / 50 ms (coarser).
The output says which one ran.

    uv run python bench/startup.py [--runs 5] [--limited-runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from gmail_assistant.devtools.server_process import free_port  # noqa: E402

V2_ROOT = Path("/sys/fs/cgroup")
V1_CPU = Path("/sys/fs/cgroup/cpu")
QUOTA_US, PERIOD_US = 50_000, 100_000
WARM_LINE = "warm-up finished"
WARM_WAIT = 120.0  # seconds after healthy to wait for the warm-up line before giving up


class CpuLimit:
    """Puts a child process under 0.5 CPU; `describe` says how."""

    describe = "none"

    def prepare(self) -> Callable[[], None] | None:
        """A preexec_fn for Popen (runs in the child before exec), or None."""
        return None

    def attach(self, process: subprocess.Popen[bytes]) -> None:
        del process

    def detach(self) -> None:
        pass

    def release(self) -> None:
        pass


class CgroupLimit(CpuLimit):
    def __init__(self, folder: Path, settings: dict[str, str], describe: str) -> None:
        self.folder = folder
        folder.mkdir()
        for name, value in settings.items():
            (folder / name).write_text(value)
        self.describe = describe

    def prepare(self) -> Callable[[], None] | None:
        procs = self.folder / "cgroup.procs"

        def enter() -> None:  # in the child: it and everything it starts run limited
            procs.write_text(str(os.getpid()))

        return enter

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.folder.rmdir()


class DutyCycleLimit(CpuLimit):
    """One core (taskset), stopped half of every 100 ms: a coarse 0.5 CPU."""

    describe = "taskset -c 0 + SIGSTOP/SIGCONT duty cycle 50 ms / 50 ms (no writable cgroup)"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def prepare(self) -> Callable[[], None] | None:
        return lambda: os.sched_setaffinity(0, {0})

    def attach(self, process: subprocess.Popen[bytes]) -> None:
        def cycle() -> None:
            while not self._stop.is_set() and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGSTOP)
                time.sleep(PERIOD_US / 2e6)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGCONT)
                time.sleep(PERIOD_US / 2e6)

        self._stop.clear()
        self._thread = threading.Thread(target=cycle, daemon=True)
        self._thread.start()

    def detach(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def half_cpu() -> CpuLimit:
    name = f"gma-bench-startup-{os.getpid()}"
    controllers = V2_ROOT / "cgroup.controllers"
    if controllers.is_file() and "cpu" in controllers.read_text().split():
        with contextlib.suppress(OSError):
            return CgroupLimit(
                V2_ROOT / name,
                {"cpu.max": f"{QUOTA_US} {PERIOD_US}"},
                f'cgroup v2 {V2_ROOT / name}: cpu.max "{QUOTA_US} {PERIOD_US}"',
            )
    if (V1_CPU / "cpu.cfs_quota_us").is_file():
        with contextlib.suppress(OSError):
            return CgroupLimit(
                V1_CPU / name,
                {"cpu.cfs_period_us": str(PERIOD_US), "cpu.cfs_quota_us": str(QUOTA_US)},
                f"cgroup v1 cpu controller {V1_CPU / name}: cfs_quota_us={QUOTA_US} "
                f"cfs_period_us={PERIOD_US} (cgroup v2 has no cpu controller here)",
            )
    return DutyCycleLimit()


@dataclass(frozen=True)
class Start:
    healthy: float  # first 200 on /api/health: what the probes see
    ready: float  # first 200 without `starting`: the app built, the database upgraded
    warm: float | None  # the warm-up log line (LiteLLM imported): jobs wait no more


def one_start(folder: Path, limit: CpuLimit, *, timeout: float = 300.0) -> Start:
    """One server start, timed from the spawn."""
    port = free_port()
    data = folder / f"run-{port}"
    data.mkdir()
    log_path = data / "server.log"
    env = {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "GMA_CONFIG_FILE": str(data / "absent.yml"),
        "GMA_DB_SQLITE_PATH": str(data / "inbox.db"),
        "GMA_SERVER_LOG_LEVEL": "INFO",
    }
    command = [
        sys.executable, "-m", "uvicorn", "src.main:app",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/api/health"
    with log_path.open("wb") as log, httpx.Client(timeout=1.0) as client:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=limit.prepare(),
        )  # fmt: skip
        limit.attach(process)
        healthy: float | None = None
        ready: float | None = None
        warm: float | None = None
        try:
            while time.perf_counter() - started < timeout:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
                now = time.perf_counter() - started
                if ready is None:
                    with contextlib.suppress(httpx.HTTPError, ValueError):
                        answer = client.get(url)
                        if answer.status_code == 200:
                            at = time.perf_counter() - started
                            healthy = at if healthy is None else healthy
                            if not answer.json().get("starting"):
                                ready = at
                if warm is None and WARM_LINE in log_path.read_text(errors="replace"):
                    warm = now
                if ready is not None and (warm is not None or now - ready > WARM_WAIT):
                    break
                time.sleep(0.01)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            limit.detach()
    if healthy is None or ready is None:
        raise TimeoutError(f"not ready after {timeout}s: {log_path.read_text()[-2000:]}")
    return Start(healthy, ready, warm)


def summary(label: str, values: list[float | None]) -> str:
    got = [v for v in values if v is not None]
    if not got:
        return f"{label:<38} n/a"
    return (
        f"{label:<38} min {min(got):6.2f} s   median {statistics.median(got):6.2f} s   "
        f"max {max(got):6.2f} s   (n={len(got)})"
    )


@contextlib.contextmanager
def bench_folder(keep: bool) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="gma-bench-startup-"))
    try:
        yield folder
    finally:
        if keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limited-runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the folder with the logs")
    args = parser.parse_args()
    print(f"bench/startup.py: uvicorn src.main:app, fresh SQLite each run, {os.cpu_count()} cores")
    print("target: /api/health answers within 2 s of process start\n")
    with bench_folder(args.keep) as folder:
        results = [one_start(folder, CpuLimit()) for _ in range(args.runs)]
        print("unlimited CPU")
        report(results)
        limit = half_cpu()
        print(f"\n0.5 CPU ({limit.describe})")
        try:
            limited = [one_start(folder, limit) for _ in range(args.limited_runs)]
        finally:
            limit.release()
        report(limited)


def report(starts: list[Start]) -> None:
    print(summary("  start → first 200 /api/health", [s.healthy for s in starts]))
    print(summary("  start → app ready (no `starting`)", [s.ready for s in starts]))
    print(summary("  start → warm-up finished (LiteLLM)", [s.warm for s in starts]))


if __name__ == "__main__":
    main()
