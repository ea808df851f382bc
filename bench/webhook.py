"""Gmail Pub/Sub pushes at full speed against the real server process (SQLite).

10 mailboxes are onboarded (`POST /api/auth/init`) against the Gmail emulator, so the sync
jobs the pushes enqueue run for real, against mailboxes with nothing new (a sync costs a
history.list, not a missing-Gmail retry loop). A load generator in a separate process keeps
`--connections` keep-alive HTTP/1.1 connections busy (a raw asyncio client: httpx would
spend more CPU per request than the server on this 2-core machine) and records each
request's latency. Meanwhile this process samples the `jobs` table every ~50 ms for pending
syncs per user, and the server's RSS.

    uv run python bench/webhook.py [--requests 5000] [--users 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from _harness import (
    RssSampler,
    Sampler,
    bench_folder,
    pct,
    print_table,
    query_sqlite,
    wait_quiet,
    write_token,
)
from gmail_assistant.devtools.server_process import ServerProcess
from gmail_emulator.testing import run_emulator


def envelope(email: str, history_id: int, serial: int) -> bytes:
    data = json.dumps({"emailAddress": email, "historyId": history_id}).encode()
    return json.dumps(
        {
            "message": {
                "data": base64.b64encode(data).decode(),
                "messageId": f"bench-{serial}",
                "publishTime": "2024-06-01T12:00:00.000Z",
            },
            "subscription": "projects/bench/subscriptions/gmail-push",
        }
    ).encode()


# -- wrk, when installed: a C load generator that cannot be the bottleneck ------------------


def _wrk_ms(value: str) -> float:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for suffix in ("us", "ms", "s"):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * units[suffix]
    return float(value)


def run_wrk(
    url: str, users: list[str], seconds: float, connections: int, tmp: Path
) -> dict[str, Any]:
    """Pushes rotating over the users for `seconds`; wrk reports rate and latency quantiles."""
    bodies = ",\n".join(
        "[[" + envelope(email, 1000 + n, n).decode() + "]]" for n, email in enumerate(users)
    )
    script = tmp / "push.lua"
    script.write_text(
        f"local bodies = {{{bodies}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        '  return wrk.format("POST", nil, {["Content-Type"] = "application/json"},'
        " bodies[(i % #bodies) + 1])\nend\n"
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
         "-s", str(script), f"{url}/webhook/gmail"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found: dict[str, Any] = {"non_2xx": 0}
    for line in out.splitlines():
        parts = line.split()
        if parts[:1] == ["Latency"] and len(parts) >= 4:
            found["max_ms"] = _wrk_ms(parts[3])
        elif len(parts) == 2 and parts[0] in ("50%", "99%"):
            found[f"p{parts[0][:-1]}_ms"] = _wrk_ms(parts[1])
        elif line.strip().startswith("Requests/sec:"):
            found["rate"] = float(parts[1])
        elif "requests in" in line:
            found["requests"] = int(parts[0])
        elif line.strip().startswith("Non-2xx"):
            found["non_2xx"] = int(parts[-1])
    return found


# -- the load generator (runs in its own process: `webhook.py --load-generator JSON`) -------


async def _connection(
    host: str, port: int, bodies: list[bytes], latencies: list[float], statuses: dict[int, int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"POST /webhook/gmail HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()
    try:
        while bodies:
            body = bodies.pop()
            started = time.perf_counter()
            writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            status = int(answer.split(b" ", 2)[1])
            length = 0
            for line in answer.lower().split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _load(spec: dict[str, Any]) -> dict[str, Any]:
    users: list[str] = spec["users"]
    total, connections = int(spec["requests"]), int(spec["connections"])
    bodies = [envelope(users[i % len(users)], 10_000 + i, i) for i in range(total)]
    bodies.reverse()  # popped from the end: in order
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _connection(spec["host"], spec["port"], bodies, latencies, statuses)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "latencies": latencies, "statuses": statuses}


def load_generator(spec_json: str) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(_load(json.loads(spec_json)))))


def run_load(url: str, users: list[str], requests: int, connections: int) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    spec = {
        "host": host,
        "port": int(port),
        "users": users,
        "requests": requests,
        "connections": connections,
    }
    done = subprocess.run(
        [sys.executable, __file__, "--load-generator", json.dumps(spec)],
        capture_output=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# -- the bench ------------------------------------------------------------------------------


class PendingSampler(Sampler):
    """Max pending sync jobs per user, from the jobs table every `interval` seconds."""

    def __init__(self, db: Path, interval: float = 0.05) -> None:
        super().__init__(interval, "pending-sampler")
        self.db = db
        self.max_per_user = 0
        self.samples = 0

    def sample(self) -> None:
        try:
            rows = query_sqlite(
                self.db,
                "SELECT user_id, COUNT(*) FROM jobs WHERE job_type = 'sync'"
                " AND status = 'pending' GROUP BY user_id",
            )
        except Exception:
            return  # a read racing a checkpoint: the next sample counts
        self.max_per_user = max([self.max_per_user, *(r[1] for r in rows)])
        self.samples += 1


def bench(args: argparse.Namespace, tmp: Path) -> None:
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    users = [f"user{i}@example.com" for i in range(args.users)]
    db = tmp / "inbox.db"
    with run_emulator(seed_mailboxes=tuple(users)) as emulator:
        env = {
            # Personal OAuth: every user's client uses this token (the first mailbox). The
            # syncs only need to succeed cheaply; the webhook path is what is measured.
            **write_token(tmp / "config", emulator.url, users[0]),
            "GMA_ENVIRONMENT": "development",
            "GMA_SERVER_LOG_LEVEL": "WARNING",
            "GMA_DB_BACKEND": "sqlite",
            "GMA_DB_SQLITE_PATH": str(db),
            "GMA_SERVER_WORKER_CONCURRENCY": str(args.concurrency),
            "GMA_LLM_CLASSIFY_MODEL": "offline/classify",
            "GMA_LLM_DRAFT_MODEL": "offline/draft",
            "GMA_LLM_CONTEXT_MODEL": "offline/context",
            "GMA_LLM_AGENT_MODEL": "offline/agent",
        }
        server = ServerProcess(env=env, log_path=tmp / "server.log")
        server.start(timeout=120)
        assert server.process is not None
        pid = server.process.pid
        try:
            for email in users:
                response = httpx.post(
                    f"{server.url}/api/auth/init", params={"email": email}, timeout=60
                )
                response.raise_for_status()
            # The server's background warm-up (LiteLLM's import) holds the GIL for seconds:
            # measure the webhook after it, as it runs for the rest of the process's life.
            quiet_after = wait_quiet(pid)
            first_job = query_sqlite(db, "SELECT COALESCE(MAX(id), 0) FROM jobs")[0][0]
            run_load(server.url, users, args.warmup, args.connections)  # warm caches, JIT-free
            warm_job = query_sqlite(db, "SELECT COALESCE(MAX(id), 0) FROM jobs")[0][0]
            emulator.state.reset_calls()
            with RssSampler(lambda: [pid], interval=0.05) as rss, PendingSampler(db) as pending:
                if use_wrk:
                    wrk = run_wrk(server.url, users, args.requests / 1000, args.connections, tmp)
                else:
                    result = run_load(server.url, users, args.requests, args.connections)
                time.sleep(0.5)  # let the last syncs be enqueued and sampled
            syncs = query_sqlite(
                db,
                "SELECT COUNT(*), SUM(status = 'completed'), SUM(status = 'failed')"
                " FROM jobs WHERE job_type = 'sync' AND id > ?",
                (warm_job,),
            )[0]
            setup_syncs = query_sqlite(
                db,
                "SELECT COUNT(*) FROM jobs WHERE job_type = 'sync' AND id > ? AND id <= ?",
                (first_job, warm_job),
            )[0][0]
        finally:
            server.terminate()
        gmail = emulator.calls()
    if use_wrk:
        rate, p50, p99, worst = wrk["rate"], wrk["p50_ms"], wrk["p99_ms"], wrk["max_ms"]
        print(
            f"webhook: {wrk['requests']} pushes for {args.users} users over {args.connections}"
            f" keep-alive connections from wrk ({args.requests / 1000:.0f} s at full speed),"
            f" after {args.warmup} warm-up pushes and the server's warm-up ({quiet_after:.1f} s);"
            f" worker concurrency {args.concurrency}; SQLite"
        )
        print(f"  non-2xx answers: {wrk['non_2xx']}")
    else:
        latencies_ms = [v * 1000 for v in result["latencies"]]
        rate = len(latencies_ms) / result["elapsed"]
        p50, p99, worst = pct(latencies_ms, 50), pct(latencies_ms, 99), max(latencies_ms)
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))
        print(
            f"webhook: {args.requests} pushes for {args.users} users over {args.connections}"
            f" keep-alive connections (Python load generator in its own process), after"
            f" {args.warmup} warm-up pushes and the server's warm-up ({quiet_after:.1f} s);"
            f" worker concurrency {args.concurrency}; SQLite"
        )
        print(f"  HTTP statuses: {statuses}")
    print_table(
        "webhook",
        ["measure", "value", "target"],
        [
            ["requests/s", f"{rate:.0f}", "≥ 1000"],
            ["latency p50, ms", f"{p50:.1f}", ""],
            ["latency p99, ms", f"{p99:.1f}", "< 50"],
            ["latency max, ms", f"{worst:.1f}", ""],
            [
                "sync jobs created (completed / failed)",
                f"{syncs[0]} ({syncs[1] or 0} / {syncs[2] or 0})",
                "",
            ],
            ["sync jobs created by the warm-up", str(setup_syncs), ""],
            [
                "max pending syncs per user seen",
                f"{pending.max_per_user} ({pending.samples} samples)",
                "≤ 1",
            ],
            ["Gmail calls by those syncs", str(gmail["total_calls"]), ""],
            ["server peak RSS, MiB (incl. children)", f"{rss.peak_mib:.0f}", "< 400"],
        ],
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--load-generator":
        load_generator(sys.argv[2])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk when installed (Debian package `wrk`), else a Python one",
    )
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=3, help="server worker concurrency")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, DB)")
    args = parser.parse_args()
    with bench_folder("bench-webhook-", keep=args.keep) as tmp:
        bench(args, tmp)


if __name__ == "__main__":
    main()
