"""What the process benches share: server env, auth files, RSS sampling, DB reads, tables.

Not a benchmark itself. `pipeline.py`, `webhook.py` and `scaleout.py` import it before anything
that imports `queue`, from their folder (first on `sys.path` for `python bench/x.py`). It moves
that folder to the end of the path: `bench/queue.py` must not shadow the stdlib `queue`,
which the emulator and uvicorn import later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import psutil

# Nothing imported above pulls in `queue`; from here on the stdlib one is found.
_HERE = [p for p in sys.path if p.rstrip("/").endswith("bench")]
sys.path[:] = [p for p in sys.path if p not in _HERE] + _HERE
if getattr(sys.modules.get("queue"), "__file__", "").startswith(tuple(_HERE or ["\0"])):
    del sys.modules["queue"]

__all__ = [
    "RssSampler",
    "Sampler",
    "bench_folder",
    "cpu_seconds",
    "fake_llm_env",
    "pct",
    "print_gmail_times",
    "print_table",
    "query_pg",
    "query_sqlite",
    "to_epoch",
    "wait_quiet",
    "wait_until",
    "write_token",
]

# Real, priced model names (answered by the fake LLM through GMA_LLM_API_BASE): LiteLLM
# prices every answer as it would in production, so its per-call work is the real one.
FAKE_MODELS = {
    "GMA_LLM_CLASSIFY_MODEL": "openai/gpt-4o-mini",
    "GMA_LLM_DRAFT_MODEL": "openai/gpt-4.1-mini",
    "GMA_LLM_CONTEXT_MODEL": "openai/gpt-4o-mini",
    "GMA_LLM_AGENT_MODEL": "openai/gpt-4.1-mini",
}


def write_token(folder: Path, emulator_url: str, owner: str) -> dict[str, str]:
    """token.json whose refresh goes to the emulator's /token; the env that points at it."""
    folder.mkdir(parents=True, exist_ok=True)
    token = folder / "token.json"
    token.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "bench-client-id",
                "client_secret": "bench-placeholder",
                "refresh_token": f"emu-refresh:{owner}",
                "token_uri": f"{emulator_url}/token",
            }
        )
    )
    credentials = folder / "credentials.json"
    credentials.write_text("{}")
    return {
        "GMA_GMAIL_API_ENDPOINT": emulator_url,
        "GMA_AUTH_TOKEN_FILE": str(token),
        "GMA_AUTH_CREDENTIALS_FILE": str(credentials),
        "GMA_AUTH_TOKEN_CACHE_FILE": str(folder / "token-cache.json"),
        "GMA_CONFIG_FILE": str(folder / "no-app.yml"),
    }


def fake_llm_env(base_url: str) -> dict[str, str]:
    return {**FAKE_MODELS, "GMA_LLM_API_BASE": base_url, "OPENAI_API_KEY": "placeholder-key"}


class Sampler:
    """Calls `sample()` every `interval` seconds from a thread, inside a `with` block."""

    def __init__(self, interval: float, name: str) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@contextlib.contextmanager
def bench_folder(prefix: str, *, keep: bool) -> Iterator[Path]:
    """A temp folder for a bench's server logs and database; removed unless `keep`."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield tmp
    finally:
        if keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


class RssSampler(Sampler):
    """Polls the resident memory of processes (and their children) from a thread; keeps peaks."""

    def __init__(self, pids: Callable[[], Iterable[int]], interval: float = 0.1) -> None:
        super().__init__(interval, "rss-sampler")
        self._pids = pids
        self.peak_each: dict[int, int] = {}
        self.peak_sum = 0

    def _rss(self, pid: int) -> int:
        try:
            proc = psutil.Process(pid)
            total = proc.memory_info().rss
            for child in proc.children(recursive=True):
                total += child.memory_info().rss
            return int(total)
        except psutil.Error:
            return 0

    def sample(self) -> None:
        total = 0
        for pid in list(self._pids()):
            rss = self._rss(pid)
            self.peak_each[pid] = max(self.peak_each.get(pid, 0), rss)
            total += rss
        self.peak_sum = max(self.peak_sum, total)

    @property
    def peak_mib(self) -> float:
        return max(self.peak_each.values(), default=0) / 2**20


def to_epoch(value: Any) -> float | None:
    """A stored naive-UTC timestamp (text from SQLite, datetime from asyncpg) as epoch seconds."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def query_sqlite(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    """A read-only query on the server's SQLite file (WAL lets it run beside the writers)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, params).fetchall())
    finally:
        conn.close()


def query_pg(url: str, sql: str, *params: Any) -> list[Any]:
    """One query on PostgreSQL (`postgresql://` URL) with a short-lived asyncpg connection."""
    import asyncpg

    async def run() -> list[Any]:
        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(sql, *params))
        finally:
            await conn.close()

    return asyncio.run(run())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def wait_quiet(pid: int, *, below: float = 0.15, window: float = 0.5, timeout: float = 90) -> float:
    """Wait until the process uses less than `below` of a core over `window` seconds (the
    server's background warm-up — LiteLLM's import — is done); returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = cpu_seconds(pid)
        time.sleep(window)
        if (cpu_seconds(pid) - before) / window < below:
            break
    return time.monotonic() - started


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.2
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except sqlite3.Error:
            pass  # a read racing a checkpoint: try again
        time.sleep(every)
    raise TimeoutError(f"{what}: not done within {timeout:.0f} s")


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linear between closest ranks; NaN for no values."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return float(values[0])
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain fixed-width table: first column left-aligned, the rest right-aligned."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        parts = [row[0].ljust(widths[0])]
        parts += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def print_gmail_times(server_url: str) -> None:
    """Mean time per Gmail call by method, from the server's own `/metrics` histogram."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{server_url}/metrics", timeout=30).text
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "gma_gmail_call_duration_seconds":
            continue
        for sample in family.samples:
            method = sample.labels.get("method", "")
            if sample.name.endswith("_sum"):
                sums[method] = sample.value
            elif sample.name.endswith("_count"):
                counts[method] = sample.value
    rows = [
        [method, f"{counts[method]:.0f}", f"{1000 * sums[method] / counts[method]:.1f}"]
        for method in sorted(counts)
        if counts[method]
    ]
    print_table("Gmail calls seen by the server (mean incl. thread hand-off)",
                ["method", "calls", "mean ms"], rows)  # fmt: skip
