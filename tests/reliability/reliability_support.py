"""The real server process against the Gmail emulator and the fake LLM, for reliability runs.

A `Stack` owns one SQLite file and can start, kill (SIGKILL), stop (SIGTERM) and restart the
server on it as often as a test likes; the emulator and the fake LLM live in this process and
outlast every server. Reads go straight to the SQLite file (read-only), the way an operator
would look, so they work while the server is down.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gmail_assistant.devtools import ServerProcess
from gmail_assistant.devtools.server_process import free_port
from gmail_assistant_testing.fake_llm import FakeLlm, run_fake_llm
from gmail_emulator.testing import RunningEmulator, run_emulator

__all__ = [
    "OWNER",
    "Mail",
    "Stack",
    "mail_mix",
    "running_stack",
    "wait_for",
]

OWNER = "owner@example.com"
OUTBOX = "🤖 AI/Outbox"
FYI = "🤖 AI/FYI"


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except sqlite3.Error:  # the file is being created or migrated
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass(frozen=True)
class Mail:
    """One delivered mail in its own thread, and what triage should make of it."""

    thread_id: str
    kind: str  # question | newsletter

    @property
    def expected(self) -> str:
        return "needs_response" if self.kind == "question" else "fyi"


def mail_mix(
    emulator: RunningEmulator, count: int, *, seed: int, questions: float = 0.5
) -> list[Mail]:
    """Deliver `count` mails, each in a new thread: questions (→ a draft) and newsletters."""
    rng = random.Random(seed)
    mails = []
    for n in range(count):
        index = seed * 1000 + n  # unique senders and subjects across calls
        if rng.random() < questions:
            delivery = emulator.state.deliver(
                OWNER,
                sender=f"Person {index} <person{index}@example.org>",
                subject=f"Question {index}: can we meet on day {rng.randint(1, 28)}?",
                body=f"Hello, could you tell me whether Tuesday works? Thanks, person {index}",
            )
            mails.append(Mail(delivery.thread_id, "question"))
        else:
            delivery = emulator.state.deliver(
                OWNER,
                sender=f"Shop {index} <news{index}@shop.example>",
                subject=f"Newsletter {index}: our autumn catalogue",
                body="Discover our new catalogue. Unsubscribe at any time.",
                headers={"List-Unsubscribe": f"<mailto:unsub{index}@shop.example>"},
            )
            mails.append(Mail(delivery.thread_id, "newsletter"))
    return mails


@dataclass
class Stack:
    tmp_path: Path
    emulator: RunningEmulator
    fake: FakeLlm
    extra_env: dict[str, str] = field(default_factory=dict)
    db_path: Path = Path()  # default: inbox.db in tmp_path
    server: ServerProcess | None = None
    user_id: int | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        if self.db_path == Path():
            self.db_path = self.tmp_path / "inbox.db"
        self.port = free_port()

    # --- the server ----------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        config = self.tmp_path / "config"
        config.mkdir(exist_ok=True)
        token = {
            "type": "authorized_user",
            "client_id": "id",
            "client_secret": "placeholder",
            "refresh_token": f"emu-refresh:{OWNER}",
            "token_uri": f"{self.emulator.url}/token",
        }
        (config / "token.json").write_text(json.dumps(token))
        (config / "credentials.json").write_text("{}")
        return {
            "GMA_SERVER_LOG_LEVEL": "WARNING",
            "GMA_DB_SQLITE_PATH": str(self.db_path),
            "GMA_GMAIL_API_ENDPOINT": self.emulator.url,
            "GMA_AUTH_TOKEN_FILE": str(config / "token.json"),
            "GMA_AUTH_CREDENTIALS_FILE": str(config / "credentials.json"),
            "GMA_SYNC_PUBSUB_TOPIC": "projects/test/topics/gmail",
            "GMA_LLM_CLASSIFY_MODEL": "openai/fake-classify",
            "GMA_LLM_DRAFT_MODEL": "openai/fake-draft",
            "GMA_LLM_CONTEXT_MODEL": "openai/fake-context",
            "GMA_LLM_AGENT_MODEL": "openai/fake-agent",
            "GMA_LLM_API_BASE": self.fake.base_url,
            "OPENAI_API_KEY": "placeholder-test-key",
            "GMA_CONFIG_FILE": str(self.tmp_path / "none.yml"),
            # Dead workers' jobs come back within seconds, not a minute.
            "GMA_JOBS_LEASE_SECONDS": "3",
            "GMA_JOBS_POLL_INTERVAL_SECONDS": "0.5",
            **self.extra_env,
        }

    def start(self) -> ServerProcess:
        assert self.server is None, "the server is already running"
        self.starts += 1
        # The same port every time: the emulator's push URL stays valid across restarts.
        server = ServerProcess(
            env=self.env(), port=self.port, log_path=self.tmp_path / "server.log"
        )
        try:
            # Generous: on a busy 2-core machine importing LiteLLM alone can take a minute.
            server.start(timeout=240)
        except BaseException:
            server.kill()  # never leave an orphan server behind a failed start
            raise
        self.server = server
        if self.user_id is None:
            response = httpx.post(
                f"{server.url}/api/auth/init", params={"email": OWNER}, timeout=60
            )
            assert response.status_code == 200, response.text
            self.user_id = int(response.json()["user_id"])
            self.emulator.state.set_push_url(OWNER, f"{server.url}/webhook/gmail")
        return server

    def kill(self) -> int:
        assert self.server is not None
        code = self.server.kill()
        self.server = None
        return code

    def terminate(self, timeout: float = 60) -> int:
        assert self.server is not None
        code = self.server.terminate(timeout)
        self.server = None
        return code

    def sync(self) -> None:
        """What the fallback scheduler would do: pushes sent while the server was down are lost."""
        assert self.server is not None and self.user_id is not None
        response = httpx.post(
            f"{self.server.url}/api/sync", params={"user_id": self.user_id}, timeout=30
        )
        assert response.status_code < 300, response.text

    def logs(self) -> str:
        path = self.tmp_path / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- the database, read-only ---------------------------------------------------------
    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        conn.row_factory = sqlite3.Row
        try:
            yield conn
        finally:
            conn.close()

    def rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        with self.db() as conn:
            return list(conn.execute(sql, params).fetchall())

    def job_counts(self) -> Counter[str]:
        return Counter(
            {
                r["status"]: r["n"]
                for r in self.rows("SELECT status, COUNT(*) n FROM jobs GROUP BY 1")
            }
        )

    def queue_drained(self) -> bool:
        counts = self.job_counts()
        return counts["pending"] == 0 and counts["running"] == 0

    def wait_drained(self, timeout: float = 180) -> None:
        """No job pending or running, seen several polls in a row (a job can enqueue another)."""
        quiet = [0]

        def settled() -> bool:
            quiet[0] = quiet[0] + 1 if self.queue_drained() else 0
            return quiet[0] >= 5

        try:
            wait_for(settled, "an empty queue", timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: jobs {dict(self.job_counts())}") from None

    def events_per_thread(self, event_type: str) -> Counter[str]:
        rows = self.rows(
            "SELECT thread_id, COUNT(*) n FROM email_events WHERE event_type = ? GROUP BY 1",
            event_type,
        )
        return Counter({r["thread_id"]: r["n"] for r in rows})

    def emails(self) -> dict[str, sqlite3.Row]:
        return {r["gmail_thread_id"]: r for r in self.rows("SELECT * FROM emails")}

    # --- Gmail, as the owner sees it -----------------------------------------------------
    def mailbox(self) -> dict[str, Any]:
        return self.emulator.state.dump(OWNER)["mailboxes"][OWNER]  # type: ignore[no-any-return]

    def ai_labels_by_thread(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for message in self.mailbox()["messages"]:
            names = {n for n in message["labels"] if n.startswith("🤖")}
            found.setdefault(message["threadId"], set()).update(names)
        return found

    def drafts_by_thread(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for draft in self.mailbox()["drafts"]:
            found.setdefault(draft.get("threadId"), []).append(draft)
        return found

    # --- the outcome every test wants ----------------------------------------------------
    def assert_each_mail_handled_once(self, mails: list[Mail], *, allow_error_drafts: bool) -> None:
        """One classification, one label, and (for questions) one draft per thread."""
        emails = self.emails()
        classified = self.events_per_thread("classified")
        labels = self.ai_labels_by_thread()
        drafts = self.drafts_by_thread()
        problems = []
        for mail in mails:
            row = emails.get(mail.thread_id)
            if row is None:
                problems.append(f"{mail.thread_id} ({mail.kind}): never triaged")
                continue
            if row["classification"] != mail.expected:
                problems.append(f"{mail.thread_id}: classified {row['classification']}")
            if classified[mail.thread_id] != 1:
                problems.append(f"{mail.thread_id}: {classified[mail.thread_id]} classified events")
            thread_drafts = drafts.get(mail.thread_id, [])
            if mail.kind == "question":
                if labels.get(mail.thread_id) != {OUTBOX}:
                    problems.append(f"{mail.thread_id}: labels {labels.get(mail.thread_id)}")
                if len(thread_drafts) != 1:
                    problems.append(f"{mail.thread_id}: {len(thread_drafts)} drafts")
                elif not allow_error_drafts and "✂️" not in thread_drafts[0]["body"]:
                    problems.append(f"{mail.thread_id}: draft {thread_drafts[0]['body'][:80]!r}")
                if row["status"] != "drafted":
                    problems.append(f"{mail.thread_id}: status {row['status']}")
            else:
                if labels.get(mail.thread_id) != {FYI}:
                    problems.append(f"{mail.thread_id}: labels {labels.get(mail.thread_id)}")
                if thread_drafts:
                    problems.append(
                        f"{mail.thread_id}: {len(thread_drafts)} drafts on a newsletter"
                    )
        assert not problems, f"{len(problems)} problems, first: {problems[:10]}"
        assert self.emulator.calls()["safety_violations"] == 0


@contextmanager
def running_stack(
    tmp_path: Path,
    *,
    env: dict[str, str] | None = None,
    latency_by_purpose: Mapping[str, float] | None = None,
    seed: int = 0,
    db_path: Path | None = None,
) -> Iterator[Stack]:
    """Emulator + fake LLM in this process; the caller starts the server (and restarts it)."""
    with (
        run_emulator(seed_mailboxes=(OWNER,)) as emulator,
        run_fake_llm(latency_by_purpose=dict(latency_by_purpose or {}), seed=seed) as fake,
    ):
        stack = Stack(
            tmp_path=tmp_path,
            emulator=emulator,
            fake=fake,
            extra_env=dict(env or {}),
            db_path=db_path or Path(),
        )
        try:
            yield stack
        finally:
            if stack.server is not None:
                stack.terminate(timeout=30)
