"""1, 2 and 3 server processes on one PostgreSQL database and one Gmail mailbox.

For each replica count: a fresh database, a fresh emulator, a fake LLM whose latency
dominates (`--classify-ms`, `--draft-ms`), and `--replicas` server processes with the same
`GMA_SERVER_WORKER_CONCURRENCY`. The first replica is started alone (it migrates the
database) and onboards the mailbox; the emulator pushes to it, and the jobs its syncs enqueue
are claimed by whichever replica is free. `--emails` questions and notices (half each) are
delivered at once. Printed: throughput and speedup against one process; whether each mail was
handled once (one `classified` event per thread, one draft per needs_response thread, in the
database and in Gmail); how the jobs spread over the replicas; how many scheduler ticks each
replica claimed, and that the shortened fallback sync (`GMA_SYNC_FALLBACK_INTERVAL_MINUTES`)
ran once per period.

    uv run python bench/scaleout.py [--emails 150] [--replicas 1,2,3] [--concurrency 3]
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from _harness import (
    RssSampler,
    bench_folder,
    fake_llm_env,
    pct,
    print_table,
    query_pg,
    to_epoch,
    write_token,
)
from gmail_assistant.devtools.server_process import ServerProcess
from gmail_assistant_testing.fake_llm import run_fake_llm
from gmail_assistant_testing.pgtemp import pg_unavailable_reason, temp_pg_database
from gmail_emulator.testing import run_emulator

OWNER = "owner@example.com"


@dataclass
class Outcome:
    replicas: int
    elapsed: float
    emails: int
    classified_once: int
    classified_events_max: int
    needs_response: int
    drafted_once_db: int
    drafted_once_gmail: int
    jobs_by_replica: list[int]
    ticks_by_replica: list[int]
    fallback_ticks: int
    fallback_periods: int
    fallback_duplicates: int
    label_p50_ms: float
    peak_rss_mib: float


def deliver(emulator: object, n: int) -> dict[str, float]:
    arrivals = {}
    for i in range(n):
        if i % 2 == 0:
            fields = {
                "sender": f"Client {i} <client{i}@example.org>",
                "subject": f"Question {i}",
                "body": f"Hello,\n\ncould you confirm the date for order {i}?\n\nThanks",
            }
        else:
            fields = {
                "sender": f"Shop <orders@store{i}.example>",
                "subject": f"Receipt {i}",
                "body": f"Receipt for order {i}: payment received. Thank you for your payment.",
            }
        delivery = emulator.state.deliver(OWNER, **fields)  # type: ignore[attr-defined]
        arrivals[delivery.thread_id] = time.time()
    return arrivals


def run_once(args: argparse.Namespace, replicas: int, tmp: Path) -> Outcome:
    latency = {"classify": args.classify_ms, "draft": args.draft_ms}
    with ExitStack() as stack:
        pg = stack.enter_context(temp_pg_database())
        emulator = stack.enter_context(run_emulator(seed_mailboxes=(OWNER,)))
        fake = stack.enter_context(run_fake_llm(latency_by_purpose=latency))
        folder = tmp / f"r{replicas}"
        env = {
            **write_token(folder / "config", emulator.url, OWNER),
            **fake_llm_env(fake.base_url),
            "GMA_ENVIRONMENT": "development",
            "GMA_SERVER_LOG_LEVEL": "WARNING",
            "GMA_DB_BACKEND": "postgresql",
            "GMA_DB_POSTGRESQL_URL": pg,
            "GMA_SYNC_PUBSUB_TOPIC": "projects/bench/topics/gmail",
            "GMA_SERVER_WORKER_CONCURRENCY": str(args.concurrency),
            "GMA_SYNC_FALLBACK_INTERVAL_MINUTES": str(args.fallback_minutes),
        }
        servers: list[ServerProcess] = []
        for index in range(replicas):
            server = ServerProcess(env=env, log_path=folder / f"server{index}.log")
            # Stopped on the way out, last started first (ExitStack unwinds in reverse).
            stack.callback(server.terminate)
            server.start(timeout=120)  # one at a time: the first one migrates the database
            servers.append(server)
            if index == 0:
                response = httpx.post(
                    f"{server.url}/api/auth/init", params={"email": OWNER}, timeout=60
                )
                response.raise_for_status()
                emulator.state.set_push_url(OWNER, f"{server.url}/webhook/gmail")
        pids = [s.process.pid for s in servers if s.process is not None]
        rss = stack.enter_context(RssSampler(lambda: pids))
        run_started = time.time()
        arrivals = deliver(emulator, args.emails)
        threads = list(arrivals)

        def finished() -> bool:
            rows = query_pg(
                pg,
                "SELECT COUNT(*) FILTER (WHERE classified_at IS NOT NULL AND"
                " (classification <> 'needs_response' OR drafted_at IS NOT NULL))"
                " FROM emails WHERE gmail_thread_id = ANY($1::text[])",
                threads,
            )
            return bool(rows[0][0] == len(threads))

        deadline = time.monotonic() + 120 + args.emails * 3
        while not finished():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{replicas} replicas: triage not done")
            time.sleep(0.25)
        time.sleep(1.0)  # let label moves and echo syncs settle before counting
        rows = query_pg(
            pg,
            "SELECT gmail_thread_id, classification, classified_at, drafted_at FROM emails"
            " WHERE gmail_thread_id = ANY($1::text[])",
            threads,
        )
        ends = [to_epoch(r["drafted_at"] or r["classified_at"]) or 0.0 for r in rows]
        elapsed = max(ends) - run_started
        label_ms = [
            ((to_epoch(r["classified_at"]) or 0.0) - arrivals[r["gmail_thread_id"]]) * 1000
            for r in rows
        ]
        events = query_pg(
            pg,
            "SELECT thread_id, event_type, COUNT(*) AS n FROM email_events"
            " WHERE event_type IN ('classified', 'draft_created') GROUP BY thread_id, event_type",
        )
        classified = {e["thread_id"]: e["n"] for e in events if e["event_type"] == "classified"}
        drafted = {e["thread_id"]: e["n"] for e in events if e["event_type"] == "draft_created"}
        questions = [r["gmail_thread_id"] for r in rows if r["classification"] == "needs_response"]
        box = emulator.state.dump(OWNER)["mailboxes"][OWNER]
        gmail_drafts = Counter(d["threadId"] for d in box["drafts"])
        tag = {str(pid): index for index, pid in enumerate(pids)}

        def replica_of(worker: str | None) -> int | None:
            parts = (worker or "").split(":")
            return tag.get(parts[1]) if len(parts) > 2 else None

        jobs = Counter(
            replica_of(r["locked_by"])
            for r in query_pg(pg, "SELECT locked_by FROM jobs WHERE status = 'completed'")
        )
        ticks = query_pg(pg, "SELECT task, period, claimed_by FROM scheduler_ticks")
        tick_counts = Counter(replica_of(t["claimed_by"]) for t in ticks)
        fallback = [t["period"] for t in ticks if t["task"] == "sync_fallback"]
        interval = args.fallback_minutes * 60
        now = time.time()
        # Periods wholly inside the run (after the last replica was up): each needs one tick.
        expected = math.floor(now / interval) - math.ceil(run_started / interval)
        inside = [p for p in fallback if math.ceil(run_started / interval) <= p < now // interval]
        return Outcome(
            replicas=replicas,
            elapsed=elapsed,
            emails=len(rows),
            classified_once=sum(1 for t in threads if classified.get(t) == 1),
            classified_events_max=max((classified.get(t, 0) for t in threads), default=0),
            needs_response=len(questions),
            drafted_once_db=sum(1 for t in questions if drafted.get(t) == 1),
            drafted_once_gmail=sum(1 for t in questions if gmail_drafts.get(t) == 1),
            jobs_by_replica=[jobs.get(i, 0) for i in range(replicas)],
            ticks_by_replica=[tick_counts.get(i, 0) for i in range(replicas)],
            fallback_ticks=len(inside),
            fallback_periods=max(expected, 0),
            fallback_duplicates=len(fallback) - len(set(fallback)),
            label_p50_ms=pct(label_ms, 50),
            peak_rss_mib=rss.peak_sum / 2**20,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--emails", type=int, default=150)
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--classify-ms", type=float, default=400)
    parser.add_argument("--draft-ms", type=float, default=800)
    parser.add_argument("--fallback-minutes", type=float, default=0.05)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    args = parser.parse_args()
    if reason := pg_unavailable_reason():
        print(f"scaleout skipped: {reason}")
        return
    outcomes: list[Outcome] = []
    with bench_folder("bench-scaleout-", keep=args.keep) as tmp:
        for count in (int(c) for c in args.replicas.split(",")):
            outcomes.append(run_once(args, count, tmp))
    print(
        f"scaleout: {args.emails} mails (half questions), fake LLM classify"
        f" {args.classify_ms:.0f} ms / draft {args.draft_ms:.0f} ms, worker concurrency"
        f" {args.concurrency} per process, PostgreSQL, one mailbox; fallback sync every"
        f" {args.fallback_minutes * 60:.0f} s"
    )
    base = outcomes[0].emails / outcomes[0].elapsed if outcomes else 1.0
    rows = []
    for o in outcomes:
        rate = o.emails / o.elapsed
        rows.append(
            [
                str(o.replicas),
                f"{o.elapsed:.1f}",
                f"{rate:.2f}",
                f"{rate / base:.2f}×",
                "≥ 1.8×" if o.replicas == 2 else "",
                f"{o.label_p50_ms:.0f}",
                f"{o.peak_rss_mib:.0f}",
            ]
        )
    print_table(
        "throughput (first delivery → last label or draft)",
        ["processes", "s", "emails/s", "speedup", "target", "label p50 ms", "sum RSS MiB"],
        rows,
    )
    print_table(
        "each mail handled once",
        ["processes", "classified once", "max events", "drafted once (DB)", "one draft (Gmail)"],
        [
            [
                str(o.replicas),
                f"{o.classified_once}/{o.emails}",
                str(o.classified_events_max),
                f"{o.drafted_once_db}/{o.needs_response}",
                f"{o.drafted_once_gmail}/{o.needs_response}",
            ]
            for o in outcomes
        ],
    )
    print_table(
        "work and scheduler ticks per replica",
        ["processes", "jobs completed", "ticks claimed", "fallback ticks / periods", "dupes"],
        [
            [
                str(o.replicas),
                " / ".join(str(n) for n in o.jobs_by_replica),
                " / ".join(str(n) for n in o.ticks_by_replica),
                f"{o.fallback_ticks} / {o.fallback_periods}",
                str(o.fallback_duplicates),
            ]
            for o in outcomes
        ],
    )


if __name__ == "__main__":
    main()
