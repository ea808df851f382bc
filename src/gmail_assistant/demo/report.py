"""The demo's report: each mail's outcome, agent runs, totals, timings, Gmail and LLM calls."""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gmail_assistant.demo.mailbox import DemoMail

__all__ = [
    "AgentRunOutcome",
    "DemoReport",
    "MailOutcome",
    "ThreadView",
    "build_report",
    "render_report",
]


@dataclass(frozen=True)
class ThreadView:
    """What the owner sees of a thread in Gmail (the emulator): AI labels, a draft."""

    labels: tuple[str, ...] = ()
    has_draft: bool = False


@dataclass(frozen=True)
class MailOutcome:
    key: str
    sender: str
    subject: str
    language: str | None
    expected: str
    category: str | None
    drafted: bool
    status: str | None
    action: str | None
    route: str = "pipeline"  # "agent" when an agent profile handled its thread
    expected_route: str = "pipeline"  # the mailbox's `route:` (the demo's routing rules)


@dataclass(frozen=True)
class AgentRunOutcome:
    """One `agent_runs` row, and what it left in Gmail."""

    key: str  # the demo mail of its thread
    profile: str
    status: str
    iterations: int
    tools: list[str]
    final_message: str | None
    error: str | None
    labels: list[str]
    has_draft: bool


@dataclass
class DemoReport:
    mails: list[MailOutcome]
    totals: dict[str, int]
    statuses: dict[str, int]
    matched_expectation: int
    handled: int
    timings_ms: dict[str, float]
    gmail: dict[str, Any]
    llm: dict[str, Any]
    jobs: dict[str, int]
    agent_runs: list[AgentRunOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def misrouted(self) -> list[str]:
        """Mails whose route (agent or pipeline) is not the one the mailbox expects."""
        return [o.key for o in self.mails if o.route != o.expected_route]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _percentiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    if len(values) == 1:
        return values[0], values[0]
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _agent_runs(
    conn: sqlite3.Connection, key_of: dict[str, str], view: dict[str, ThreadView]
) -> list[AgentRunOutcome]:
    runs = []
    for r in conn.execute(
        "SELECT thread_id, profile, status, iterations, tool_calls, final_message, error"
        " FROM agent_runs ORDER BY id"
    ):
        calls = r["tool_calls"]
        calls = json.loads(calls) if isinstance(calls, str) else calls or []
        seen = view.get(r["thread_id"], ThreadView())
        runs.append(
            AgentRunOutcome(
                key=key_of.get(r["thread_id"], r["thread_id"]),
                profile=r["profile"],
                status=r["status"],
                iterations=r["iterations"],
                tools=[str(c.get("tool")) for c in calls],
                final_message=r["final_message"],
                error=r["error"],
                labels=list(seen.labels),
                has_draft=seen.has_draft,
            )
        )
    return runs


def build_report(
    db_path: Path,
    mails: list[DemoMail],
    threads: dict[str, str],
    gmail_calls: dict[str, Any],
    gmail_view: dict[str, ThreadView] | None = None,
) -> DemoReport:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    rows = {
        r["gmail_thread_id"]: r
        for r in conn.execute(
            "SELECT gmail_thread_id, detected_language, classification, status, drafted_at,"
            " received_at, classified_at FROM emails"
        )
    }
    llm = conn.execute(
        "SELECT COUNT(*) AS calls, COALESCE(SUM(total_tokens), 0) AS tokens,"
        " COALESCE(SUM(cost_usd), 0) AS cost, COUNT(error) AS errors FROM llm_calls"
    ).fetchone()
    models = [r[0] for r in conn.execute("SELECT DISTINCT model FROM llm_calls")]
    jobs = dict(conn.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())
    key_of: dict[str, str] = {}
    for mail in mails:
        key_of.setdefault(threads[mail.key], mail.key)
    agent_runs = _agent_runs(conn, key_of, gmail_view or {})
    conn.close()
    agent_threads = {threads[run.key] for run in agent_runs if run.key in threads}

    outcomes: list[MailOutcome] = []
    label_delays: list[float] = []
    draft_delays: list[float] = []
    seen_threads: set[str] = set()
    for mail in mails:
        if mail.sent:
            continue
        thread = threads[mail.key]
        row = rows.get(thread)
        outcomes.append(
            MailOutcome(
                key=mail.key,
                sender=mail.sender,
                subject=mail.subject,
                language=row["detected_language"] if row else None,
                expected=mail.expect,
                category=row["classification"] if row else None,
                drafted=bool(row and row["drafted_at"]),
                status=row["status"] if row else None,
                action=mail.demo_action,
                route="agent" if thread in agent_threads else "pipeline",
                expected_route=mail.route or "pipeline",
            )
        )
        if row is None or thread in seen_threads:
            continue
        seen_threads.add(thread)
        received, classified = _parse(row["received_at"]), _parse(row["classified_at"])
        drafted = _parse(row["drafted_at"])
        if received and classified:
            label_delays.append((classified - received).total_seconds() * 1000)
        if received and drafted:
            draft_delays.append((drafted - received).total_seconds() * 1000)
    label_p50, label_p95 = _percentiles(label_delays)
    draft_p50, draft_p95 = _percentiles(draft_delays)
    return DemoReport(
        mails=outcomes,
        totals=dict(Counter(o.category or "unhandled" for o in outcomes)),
        statuses=dict(Counter(o.status or "unhandled" for o in outcomes)),
        # The manual-draft mail is needs_response by the owner's choice, not the triage's.
        matched_expectation=sum(o.category == o.expected for o in outcomes if o.action != "manual"),
        handled=sum(o.category is not None for o in outcomes),
        timings_ms={
            "arrival_to_label_p50": round(label_p50),
            "arrival_to_label_p95": round(label_p95),
            "arrival_to_draft_p50": round(draft_p50),
            "arrival_to_draft_p95": round(draft_p95),
        },
        gmail={
            "calls": gmail_calls.get("total_calls", 0),
            "quota_units": gmail_calls.get("total_quota_units", 0),
            "by_method": gmail_calls.get("calls", {}),
            "safety_violations": gmail_calls.get("safety_violations", 0),
        },
        llm={
            "calls": llm["calls"],
            "tokens": llm["tokens"],
            "cost_usd": round(llm["cost"], 6),
            "errors": llm["errors"],
            "models": models,
        },
        jobs={str(k): int(v) for k, v in jobs.items()},
        agent_runs=agent_runs,
    )


def _render_runs(runs: list[AgentRunOutcome]) -> list[str]:
    if not runs:
        return []
    lines = ["", "agent runs (mail a routing rule of the demo's app.yml sent to an agent profile):"]
    for run in runs:
        left = []
        if run.has_draft:
            left.append("a draft")
        left.extend(run.labels)
        lines.append(
            f"  {run.key}: profile {run.profile}, {run.status} after {run.iterations} "
            f"round(s); tools: {', '.join(run.tools) or 'none'}; in Gmail: "
            f"{', '.join(left) or 'nothing'}"
        )
        if run.final_message:
            lines.append(f"    final: {run.final_message.strip()[:200]}")
        if run.error:
            lines.append(f"    error: {run.error[:200]}")
    return lines


def render_report(report: DemoReport) -> str:
    lines = ["", "Gmail Assistant — offline demo report (offline demo model, not a real LLM)", ""]
    header = f"{'mail':28} {'lang':4} {'expected':16} {'category':16} {'draft':5} {'status':10}"
    lines += [header, "-" * len(header)]
    for o in report.mails:
        mark = "" if o.category == o.expected or o.action == "manual" else "  ≠"
        action = f"  [{o.action}]" if o.action else ""
        if o.route != o.expected_route:
            action += f"  [{o.route}, expected {o.expected_route}]"
        elif o.route == "agent":
            action += "  [agent]"
        lines.append(
            f"{o.key[:28]:28} {o.language or '-':4} {o.expected:16} {o.category or '-':16} "
            f"{'yes' if o.drafted else 'no':5} {o.status or '-':10}{mark}{action}"
        )
    lines.extend(_render_runs(report.agent_runs))
    lines.append("")
    total = len(report.mails)
    compared = total - sum(o.action == "manual" for o in report.mails)
    lines.append(
        f"handled {report.handled}/{total} mails; triage as expected for "
        f"{report.matched_expectation}/{compared} (≠ marks a difference; the offline model is "
        "a keyword heuristic, and the manual-draft mail is needs_response by the owner's choice)"
    )
    lines.append("categories: " + ", ".join(f"{k} {v}" for k, v in sorted(report.totals.items())))
    lines.append("statuses:   " + ", ".join(f"{k} {v}" for k, v in sorted(report.statuses.items())))
    t = report.timings_ms
    lines.append(
        f"timings: arrival→label p50 {t['arrival_to_label_p50']} ms, p95 "
        f"{t['arrival_to_label_p95']} ms; arrival→draft p50 {t['arrival_to_draft_p50']} ms, "
        f"p95 {t['arrival_to_draft_p95']} ms"
    )
    g, m = report.gmail, report.llm
    lines.append(
        f"Gmail: {g['calls']} calls, {g['quota_units']} quota units, "
        f"{g['safety_violations']} safety violations"
    )
    lines.append(
        f"LLM: {m['calls']} calls ({', '.join(m['models']) or '-'}), {m['tokens']} tokens, "
        f"{m['errors']} errors"
    )
    lines.append("jobs: " + ", ".join(f"{k} {v}" for k, v in sorted(report.jobs.items())))
    lines.extend(report.notes)
    return "\n".join(lines)
