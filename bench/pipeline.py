"""Mail in → label and draft out, through the real server process, the emulator and a fake LLM.

Passes, all on one server (SQLite, `GMA_SERVER_WORKER_CONCURRENCY=--concurrency`):

1. mixed burst: `--emails` mails (40 % questions, 20 % newsletters, 15 % invoices, 15 %
   receipts, 10 % meeting requests) delivered back to back; pushes reach the webhook.
   Throughput, arrival→label/draft, own overhead (see below), LLM calls and tokens, peak RSS.
2. paced: `--paced` mails, each delivered on an idle system: latency without queueing.
3. per category: `--category-emails` mails of one kind each, emulator call counters reset
   before each, so Gmail calls and quota units per email are that category's (the sync's
   history.list is shared by the mails of a pass). Questions run twice: from new senders
   (the context search finds nothing) and from senders with earlier mail (it finds threads).

Timing: arrival = this script's wall clock when `deliver()` returned (the emulator's internal
date has whole seconds); label = `emails.classified_at`; draft = `emails.drafted_at`. LLM time
= sum of `llm_calls.latency_ms` of the thread. Gmail time is NOT subtracted: the emulator
answers in well under a millisecond, so what remains is our own work plus the HTTP round
trips of our Gmail client. "job work" = run time of the thread's classify/draft jobs minus
LLM time (no queue wait, no sync hop).

    uv run python bench/pipeline.py [--emails 200] [--classify-ms 300] [--draft-ms 1500]
                                    [--concurrency 3] [--scenario burst30]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from _harness import (
    RssSampler,
    bench_folder,
    fake_llm_env,
    pct,
    print_gmail_times,
    print_table,
    query_sqlite,
    to_epoch,
    wait_until,
    write_token,
)
from gmail_assistant.devtools.server_process import ServerProcess
from gmail_assistant_testing.fake_llm import FakeLlm, run_fake_llm
from gmail_emulator.testing import RunningEmulator, run_emulator

OWNER = "owner@example.com"
MailMaker = Callable[[int, str], dict[str, Any]]


def _question(i: int, tag: str) -> dict[str, Any]:
    return {
        "sender": f"Client {i} <client{i}.{tag}@example.org>",
        "subject": f"Question about order {i}",
        "body": f"Hello,\n\ncould you tell me when order {i} will ship?\n\nThanks, Client {i}",
    }


def _newsletter(i: int, tag: str) -> dict[str, Any]:
    return {
        "sender": "Shop News <news@shop.example>",
        "subject": f"Weekly picks #{i}",
        "body": "Our picks of the week.\n\nTo unsubscribe, follow the link below.",
        "headers": {"List-Unsubscribe": "<mailto:unsub@shop.example>", "Precedence": "bulk"},
    }


def _invoice(i: int, tag: str) -> dict[str, Any]:
    return {
        "sender": f"Billing <billing@vendor{i}.example>",
        "subject": f"Invoice 2024-{i:04d}",
        "body": f"Invoice 2024-{i:04d}\nAmount due: 120 EUR\nDue date: 30 June\nIBAN DE00 1234",
    }


def _receipt(i: int, tag: str) -> dict[str, Any]:
    return {
        "sender": f"Shop <orders@store{i}.example>",
        "subject": f"Receipt for order {i}",
        "body": f"Receipt for order {i}: payment received, 45 EUR. Thank you for your payment.",
    }


def _meeting(i: int, tag: str) -> dict[str, Any]:
    return {
        "sender": f"Partner {i} <partner{i}.{tag}@example.net>",
        "subject": "Meeting next week",
        "body": "Hi,\n\ncan we meet on Tuesday at 10 to go over the project? Let me know.\n\nP.",
    }


MAKERS: dict[str, MailMaker] = {
    "question": _question,
    "newsletter": _newsletter,
    "invoice": _invoice,
    "receipt": _receipt,
    "meeting": _meeting,
}
MIX = (("question", 40), ("newsletter", 20), ("invoice", 15), ("receipt", 15), ("meeting", 10))
# Quota-unit targets per email (DESIGN/brief): questions by context found, the rest classify-only.
UNIT_TARGETS = {"question": 45, "question+related": 80, "meeting": 45}
CLASSIFY_ONLY_UNITS = 12


def mixed_kinds(n: int) -> list[str]:
    """`n` kinds in the MIX shares, interleaved (not in blocks) as a real inbox would be."""
    counts = {kind: n * share // 100 for kind, share in MIX}
    counts["question"] += n - sum(counts.values())
    out: list[str] = []
    while len(out) < n:
        for kind, _ in MIX:
            if counts[kind]:
                out.append(kind)
                counts[kind] -= 1
    return out


@dataclass
class Pass:
    """One batch of mail and what came of it."""

    name: str
    arrivals: dict[str, float] = field(default_factory=dict)  # thread id → epoch seconds
    kinds: dict[str, str] = field(default_factory=dict)
    started: float = 0.0
    gmail: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, Any] = field(default_factory=dict)
    llm: dict[str, dict[str, float]] = field(default_factory=dict)
    job_work_ms: dict[str, float] = field(default_factory=dict)
    related: dict[str, int] = field(default_factory=dict)


class Bench:
    def __init__(
        self, emulator: RunningEmulator, fake: FakeLlm, server: ServerProcess, db: Path
    ) -> None:
        self.emulator = emulator
        self.fake = fake
        self.server = server
        self.db = db
        self.serial = 0

    def deliver(self, run: Pass, kind: str, tag: str, **extra: Any) -> str:
        self.serial += 1
        fields = {**MAKERS[kind](self.serial, tag), **extra}
        delivery = self.emulator.state.deliver(OWNER, **fields)
        run.arrivals[delivery.thread_id] = time.time()
        run.kinds[delivery.thread_id] = kind
        return str(delivery.thread_id)

    def idle(self) -> bool:
        busy = query_sqlite(
            self.db,
            "SELECT COUNT(*) FROM jobs WHERE status = 'running'"
            " OR (status = 'pending' AND run_after <= strftime('%Y-%m-%d %H:%M:%f', 'now'))",
        )[0][0]
        return bool(busy == 0)

    def wait_idle(self, timeout: float = 120) -> None:
        quiet = [0]

        def settled() -> bool:
            quiet[0] = quiet[0] + 1 if self.idle() else 0
            return quiet[0] >= 3

        wait_until(settled, timeout, "an idle queue", every=0.1)

    def done(self, threads: list[str]) -> bool:
        marks = ",".join("?" * len(threads))
        rows = query_sqlite(
            self.db,
            f"SELECT classification, classified_at, drafted_at FROM emails"
            f" WHERE gmail_thread_id IN ({marks})",
            threads,
        )
        if len(rows) < len(threads):
            return False
        return all(
            r["classified_at"] and (r["classification"] != "needs_response" or r["drafted_at"])
            for r in rows
        )

    def wait_done(self, threads: list[str], timeout: float) -> None:
        wait_until(lambda: self.done(threads), timeout, f"triage of {len(threads)} threads")

    def collect(self, run: Pass) -> None:
        threads = list(run.arrivals)
        marks = ",".join("?" * len(threads))
        for row in query_sqlite(
            self.db,
            f"SELECT gmail_thread_id, classification, classified_at, drafted_at, status"
            f" FROM emails WHERE gmail_thread_id IN ({marks})",
            threads,
        ):
            run.rows[row["gmail_thread_id"]] = row
        llm: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for row in query_sqlite(
            self.db,
            f"SELECT thread_id, purpose, latency_ms, prompt_tokens, completion_tokens"
            f" FROM llm_calls WHERE thread_id IN ({marks})",
            threads,
        ):
            entry = llm[row["thread_id"]]
            entry["calls"] += 1
            entry["ms"] += row["latency_ms"] or 0
            entry["tokens"] += (row["prompt_tokens"] or 0) + (row["completion_tokens"] or 0)
            if row["purpose"] == "classify":
                entry["classify_ms"] += row["latency_ms"] or 0
        run.llm = {k: dict(v) for k, v in llm.items()}
        work: dict[str, float] = defaultdict(float)
        for row in query_sqlite(
            self.db,
            f"SELECT thread_id, started_at, finished_at FROM jobs WHERE status = 'completed'"
            f" AND job_type IN ('classify', 'draft') AND thread_id IN ({marks})",
            threads,
        ):
            start, end = to_epoch(row["started_at"]), to_epoch(row["finished_at"])
            if start is not None and end is not None:
                work[row["thread_id"]] += (end - start) * 1000
        run.job_work_ms = {t: ms - run.llm.get(t, {}).get("ms", 0.0) for t, ms in work.items()}
        for row in query_sqlite(
            self.db,
            f"SELECT thread_id, detail FROM email_events WHERE event_type = 'draft_created'"
            f" AND thread_id IN ({marks})",
            threads,
        ):
            found = re.search(r"(\d+) related threads", row["detail"] or "")
            run.related[row["thread_id"]] = int(found.group(1)) if found else 0

    def warm_up(self) -> None:
        """Three questions through, unmeasured: the one-time costs of a fresh server
        (LiteLLM's import and first call, first connections) are not the pipeline's."""
        run = Pass("warm-up")

        def deliver() -> None:
            for _ in range(3):
                self.deliver(run, "question", "warm-up")

        self.measured(run, deliver, timeout=120)

    def measured(self, run: Pass, deliver: Callable[[], None], timeout: float) -> Pass:
        """Reset counters on an idle system, deliver, wait for triage and quiet, read back."""
        self.wait_idle()
        self.emulator.state.reset_calls()
        run.started = time.time()
        deliver()
        self.wait_done(list(run.arrivals), timeout)
        self.wait_idle()
        run.gmail = self.emulator.calls()
        self.collect(run)
        return run


def latency_rows(run: Pass) -> list[list[str]]:
    label, draft, label_own, draft_own = [], [], [], []
    for thread, arrival in run.arrivals.items():
        row = run.rows.get(thread)
        if row is None:
            continue
        llm = run.llm.get(thread, {})
        classified = to_epoch(row["classified_at"])
        if classified is not None:
            label.append((classified - arrival) * 1000)
            label_own.append(label[-1] - llm.get("classify_ms", 0.0))
        drafted = to_epoch(row["drafted_at"])
        if drafted is not None:
            draft.append((drafted - arrival) * 1000)
            draft_own.append(draft[-1] - llm.get("ms", 0.0))
    work = list(run.job_work_ms.values())

    def fmt(name: str, values: list[float], target: str = "") -> list[str]:
        return [name, str(len(values)), f"{pct(values, 50):.0f}", f"{pct(values, 95):.0f}", target]

    return [
        fmt("arrival → label", label),
        fmt("arrival → draft", draft),
        fmt("  minus LLM: → label", label_own, "p50 < 100"),
        fmt("  minus LLM: → draft", draft_own, "p50 < 100"),
        fmt("  job work minus LLM", work, "p50 < 100"),
    ]


def print_latency(run: Pass) -> None:
    print_table(
        f"{run.name}: latency in ms (arrival = delivery by this script)",
        ["measure", "n", "p50", "p95", "target"],
        latency_rows(run),
    )


def per_email(run: Pass) -> tuple[float, float, float, float]:
    n = max(len(run.arrivals), 1)
    calls = sum(v.get("calls", 0) for v in run.llm.values()) / n
    tokens = sum(v.get("tokens", 0) for v in run.llm.values()) / n
    return (
        run.gmail.get("total_calls", 0) / n,
        run.gmail.get("total_quota_units", 0) / n,
        calls,
        tokens,
    )


def mixed(bench: Bench, n: int, rss: RssSampler) -> None:
    run = Pass("mixed burst")
    kinds = mixed_kinds(n)

    def deliver() -> None:
        for kind in kinds:
            bench.deliver(run, kind, "mix")

    bench.measured(run, deliver, timeout=60 + n * 3)
    ends = []
    for row in run.rows.values():
        ends += [t for t in (to_epoch(row["classified_at"]), to_epoch(row["drafted_at"])) if t]
    elapsed = max(ends) - run.started
    by_class: dict[str, int] = defaultdict(int)
    for row in run.rows.values():
        by_class[row["classification"] or "-"] += 1
    calls, units, llm_calls, tokens = per_email(run)
    print(f"\nmixed burst: {n} mails delivered back to back, triaged in {elapsed:.1f} s")
    print("  classified as: " + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items())))
    print_table(
        "mixed burst: throughput and cost",
        ["measure", "value", "target"],
        [
            ["emails/s (delivery of the first → last label or draft)", f"{n / elapsed:.2f}", ""],
            ["Gmail calls per email", f"{calls:.1f}", ""],
            ["Gmail quota units per email", f"{units:.1f}", ""],
            ["LLM calls per email", f"{llm_calls:.2f}", ""],
            ["LLM tokens per email", f"{tokens:.0f}", ""],
            ["server peak RSS so far, MiB (incl. children)", f"{rss.peak_mib:.0f}", ""],
            ["safety violations (send/delete/trash)", str(run.gmail.get("safety_violations")), "0"],
        ],
    )
    print_latency(run)


def paced(bench: Bench, n: int) -> None:
    run = Pass("paced (one mail at a time on an idle system)")

    def deliver() -> None:
        for i in range(n):
            kind = "question" if i % 2 == 0 else "invoice"
            thread = bench.deliver(run, kind, "paced")
            bench.wait_done([thread], 60)
            bench.wait_idle()

    bench.measured(run, deliver, timeout=60)
    print_latency(run)


def categories(bench: Bench, n: int) -> None:
    results: list[tuple[str, Pass]] = []
    for kind in ("question", "meeting", "newsletter", "invoice", "receipt"):
        run = Pass(kind)

        def deliver(run: Pass = run, kind: str = kind) -> None:
            for _ in range(n):
                bench.deliver(run, kind, f"cat-{kind}")

        results.append((kind, bench.measured(run, deliver, timeout=60 + n * 5)))
    # Questions from senders the mailbox already has mail from: context search finds threads.
    earlier = Pass("earlier mail")
    senders = [f"Known {i} <known{i}@example.org>" for i in range(n)]

    def deliver_earlier() -> None:
        for sender in senders:
            for _ in range(2):
                bench.deliver(
                    earlier, "receipt", "earlier", sender=sender, subject="Notes from our call"
                )

    bench.measured(earlier, deliver_earlier, timeout=60 + n * 5)
    related = Pass("question+related")

    def deliver_related() -> None:
        for sender in senders:
            bench.deliver(related, "question", "related", sender=sender)

    results.insert(1, ("question+related", bench.measured(related, deliver_related, 60 + n * 5)))

    rows = []
    methods = []
    for name, run in results:
        calls, units, llm_calls, tokens = per_email(run)
        drafted = any(r["drafted_at"] for r in run.rows.values())
        unit_target = UNIT_TARGETS.get(name, CLASSIFY_ONLY_UNITS)
        llm_target = 2 if drafted else 1
        found = [run.related.get(t, 0) for t in run.arrivals] if drafted else []
        rows.append(
            [
                name,
                str(len(run.arrivals)),
                ",".join(sorted({r["classification"] or "-" for r in run.rows.values()})),
                f"{calls:.1f}",
                f"{units:.1f}",
                f"≤ {unit_target}",
                f"{llm_calls:.2f}",
                f"≤ {llm_target}",
                f"{tokens:.0f}",
                f"{sum(found) / len(found):.1f}" if found else "-",
            ]
        )
        per = len(run.arrivals)
        methods.append(
            [name, ", ".join(f"{m} {c / per:.2g}" for m, c in run.gmail.get("calls", {}).items())]
        )
    print_table(
        "per category (own pass each; Gmail counters from the emulator, per email)",
        [
            "category",
            "n",
            "classified",
            "Gmail calls",
            "units",
            "target",
            "LLM calls",
            "target",
            "tokens",
            "related found",
        ],
        rows,
    )
    print_table("Gmail calls per email by method", ["category", "calls"], methods)


def server_env(
    tmp: Path, emulator: RunningEmulator, fake: FakeLlm, concurrency: int
) -> dict[str, str]:
    return {
        **write_token(tmp / "config", emulator.url, OWNER),
        **fake_llm_env(fake.base_url),
        "GMA_ENVIRONMENT": "development",
        "GMA_SERVER_LOG_LEVEL": "WARNING",
        "GMA_DB_BACKEND": "sqlite",
        "GMA_DB_SQLITE_PATH": str(tmp / "inbox.db"),
        "GMA_SYNC_PUBSUB_TOPIC": "projects/bench/topics/gmail",
        "GMA_SERVER_WORKER_CONCURRENCY": str(concurrency),
    }


def start(tmp: Path, emulator: RunningEmulator, fake: FakeLlm, concurrency: int) -> ServerProcess:
    server = ServerProcess(
        env=server_env(tmp, emulator, fake, concurrency), log_path=tmp / "server.log"
    )
    server.start(timeout=120)
    response = httpx.post(f"{server.url}/api/auth/init", params={"email": OWNER}, timeout=60)
    response.raise_for_status()
    emulator.state.set_push_url(OWNER, f"{server.url}/webhook/gmail")
    return server


def run_default(args: argparse.Namespace, tmp: Path) -> None:
    latency = {"classify": args.classify_ms, "draft": args.draft_ms}
    with (
        run_emulator(seed_mailboxes=(OWNER,)) as emulator,
        run_fake_llm(latency_by_purpose=latency) as fake,
    ):
        server = start(tmp, emulator, fake, args.concurrency)
        assert server.process is not None
        pid = server.process.pid
        try:
            with RssSampler(lambda: [pid]) as rss:
                bench = Bench(emulator, fake, server, tmp / "inbox.db")
                bench.warm_up()
                print(
                    f"pipeline: fake LLM classify {args.classify_ms:.0f} ms, draft"
                    f" {args.draft_ms:.0f} ms; worker concurrency {args.concurrency}; SQLite"
                )
                mixed(bench, args.emails, rss)
                if args.paced:
                    paced(bench, args.paced)
                if args.category_emails:
                    categories(bench, args.category_emails)
            print(f"\nserver peak RSS over all passes: {rss.peak_mib:.0f} MiB (incl. children)")
        finally:
            server.terminate()


def run_burst30(args: argparse.Namespace, tmp: Path) -> None:
    """30 questions at once, twice on one server: the model answering at once (our own
    speed: push → draft), then every call taking 500 ms (waiting on the model)."""
    with run_emulator(seed_mailboxes=(OWNER,)) as emulator, run_fake_llm() as fake:
        server = start(tmp, emulator, fake, 3)
        try:
            bench = Bench(emulator, fake, server, tmp / "inbox.db")
            bench.warm_up()
            for latency_ms, target in ((0, "p50 < 800 ms"), (500, "≤ 4 s")):
                fake.latency_ms = latency_ms
                run = Pass(f"burst30, LLM {latency_ms} ms")

                def deliver(run: Pass = run) -> None:
                    for _ in range(30):
                        bench.deliver(run, "question", "burst")

                bench.measured(run, deliver, timeout=120)
                drafted = [to_epoch(r["drafted_at"]) for r in run.rows.values()]
                done = [at for at in drafted if at]
                last = max(done, default=run.started)
                print(
                    f"{run.name}: 30 questions at once, worker concurrency 3, "
                    "LLM concurrency 8 per model"
                )
                print_table(
                    run.name,
                    ["measure", "value", "target"],
                    [
                        ["drafted", f"{len(done)}/30", "30/30"],
                        ["first delivery → last draft, s", f"{last - run.started:.2f}", target],
                    ],
                )
                print_latency(run)
            print_gmail_times(server.url)
        finally:
            server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--emails", type=int, default=200)
    parser.add_argument("--classify-ms", type=float, default=300)
    parser.add_argument("--draft-ms", type=float, default=1500)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--paced", type=int, default=10, help="mails in the paced pass (0: skip)")
    parser.add_argument(
        "--category-emails", type=int, default=20, help="mails per category pass (0: skip)"
    )
    parser.add_argument("--scenario", choices=["default", "burst30"], default="default")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, DB)")
    args = parser.parse_args()
    with bench_folder("bench-pipeline-", keep=args.keep) as tmp:
        if args.scenario == "burst30":
            run_burst30(args, tmp)
        else:
            run_default(args, tmp)


if __name__ == "__main__":
    main()
