"""`gmail-assistant demo`: the whole product, offline.

The Gmail emulator (in this process) holds the sample mailbox; the real server runs as a
child process exactly as deployed (`uvicorn src.main:app`) with the offline model provider
and the demo's `app.yml` (a routing rule sending the helpdesk's website chats to an agent
profile on the offline model); pushes go from the emulator to the server's webhook. The demo
then plays the owner — sends a draft, asks for a rework, marks a thread Done, asks for a
manual draft — and reports.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from gmail_assistant.demo.mailbox import DemoMail, deliver_all, load_mailbox
from gmail_assistant.demo.report import DemoReport, ThreadView, build_report, render_report
from gmail_assistant.devtools.server_process import ServerProcess, free_port
from gmail_assistant.labels import LABEL_NAMES
from gmail_emulator.testing import RunningEmulator, gmail_service, run_emulator

__all__ = ["DEMO_APP_CONFIG", "DemoOptions", "run_demo"]

# v2.3.0's `routing:` and `agent:` sections for the demo; copied into the data folder.
DEMO_APP_CONFIG = Path(__file__).with_name("app.yml")

OFFLINE_MODELS = {
    "GMA_LLM_CLASSIFY_MODEL": "offline/classify",
    "GMA_LLM_DRAFT_MODEL": "offline/draft",
    "GMA_LLM_CONTEXT_MODEL": "offline/context",
    "GMA_LLM_AGENT_MODEL": "offline/agent",
}


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path | None = None
    port: int = 0
    emulator_port: int = 0
    exit_after: bool = False
    timeout: float = 180.0


def _write_auth(folder: Path, emulator_url: str, owner: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    token = folder / "token.json"
    token.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "demo-client-id",
                "client_secret": "demo-placeholder",
                "refresh_token": f"emu-refresh:{owner}",
                "token_uri": f"{emulator_url}/token",
            }
        )
    )
    credentials = folder / "credentials.json"
    credentials.write_text(json.dumps({"installed": {"client_id": "demo-client-id"}}))
    return token, credentials


def _gmail_view(emulator: RunningEmulator, owner: str) -> dict[str, ThreadView]:
    """Per thread, the AI labels and whether a draft is there: what the owner sees."""
    box = emulator.state.dump(owner)["mailboxes"][owner]
    labels: dict[str, set[str]] = {}
    for message in box["messages"]:
        names = {n for n in message["labels"] if n.startswith("🤖")}
        labels.setdefault(message["threadId"], set()).update(names)
    drafted = {d.get("threadId") for d in box["drafts"]}
    return {
        thread: ThreadView(labels=tuple(sorted(names)), has_draft=thread in drafted)
        for thread, names in labels.items()
    }


def _queue_idle(db_path: Path) -> bool:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        busy = conn.execute(
            "SELECT COUNT(*) FROM jobs WHERE status = 'running'"
            " OR (status = 'pending' AND run_after <= strftime('%Y-%m-%d %H:%M:%f', 'now'))"
        ).fetchone()[0]
    finally:
        conn.close()
    return busy == 0


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        try:
            quiet = quiet + 1 if condition() else 0
        except sqlite3.Error:
            quiet = 0
        if quiet >= 4:
            return
        time.sleep(0.25)
    raise TimeoutError(f"demo: {what} did not happen within {timeout:.0f} s")


class _Owner:
    """The mailbox owner, acting in 'their Gmail client' (the emulator)."""

    def __init__(self, emulator: RunningEmulator, owner: str) -> None:
        self.emulator = emulator
        self.owner = owner

    def _draft(self, thread_id: str) -> dict[str, str] | None:
        box = self.emulator.state.dump(self.owner)["mailboxes"][self.owner]
        drafts = [d for d in box["drafts"] if d["threadId"] == thread_id]
        return drafts[0] if drafts else None

    def send(self, thread_id: str) -> str:
        draft = self._draft(thread_id)
        if draft is None:
            return "no draft to send"
        self.emulator.state.owner_send_draft(self.owner, draft["id"])
        return "sent the assistant's draft unchanged"

    def rework(self, thread_id: str, instruction: str) -> str:
        draft = self._draft(thread_id)
        if draft is None:
            return "no draft to rework"
        self.emulator.state.owner_edit_draft(
            self.owner, draft["id"], body=f"{instruction}\n{draft['body']}"
        )
        self.emulator.state.owner_modify_thread_labels(
            self.owner, thread_id, add=[LABEL_NAMES["rework"]]
        )
        return f"asked for a rework: {instruction!r}"

    def done(self, thread_id: str) -> str:
        self.emulator.state.owner_modify_thread_labels(
            self.owner, thread_id, add=[LABEL_NAMES["done"]]
        )
        return "marked the thread Done"

    def manual(self, thread_id: str, notes: str) -> str:
        import base64
        from email.message import EmailMessage

        # A reply draft as the owner's Gmail client writes it: Gmail keeps a draft in the
        # thread only with a matching subject and reply headers.
        last = self.emulator.state.mailbox(self.owner).thread(thread_id)[-1]
        message = EmailMessage()
        message["To"] = "reply@example.invalid"
        message["Subject"] = f"Re: {last.parsed.header('Subject')}"
        message["In-Reply-To"] = last.message_id_header
        message["References"] = last.message_id_header
        message.set_content(notes)
        raw = base64.urlsafe_b64encode(message.as_bytes()).decode()
        service = gmail_service(self.emulator.url, self.owner)
        service.users().drafts().create(
            userId="me", body={"message": {"threadId": thread_id, "raw": raw}}
        ).execute()
        self.emulator.state.owner_modify_thread_labels(
            self.owner, thread_id, add=[LABEL_NAMES["needs_response"]]
        )
        return f"asked for a draft with notes: {notes!r}"


def _play_owner(owner: _Owner, mails: list[DemoMail], threads: dict[str, str]) -> list[str]:
    notes = []
    for mail in mails:
        thread = threads[mail.key]
        if mail.demo_action == "send":
            notes.append(f"owner: {mail.key}: {owner.send(thread)}")
        elif mail.demo_action == "rework":
            instruction = mail.rework_instruction or "Make it shorter."
            notes.append(f"owner: {mail.key}: {owner.rework(thread, instruction)}")
        elif mail.demo_action == "done":
            notes.append(f"owner: {mail.key}: {owner.done(thread)}")
        elif mail.demo_action == "manual":
            notes.append(f"owner: {mail.key}: {owner.manual(thread, mail.manual_notes or '')}")
    return notes


def run_demo(options: DemoOptions, *, echo: Callable[[str], None] = print) -> DemoReport:
    owner, mails = load_mailbox()
    folder = options.data_dir or Path(tempfile.mkdtemp(prefix="gmail-assistant-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "inbox.db"
    app_config = folder / "app.yml"
    app_config.write_text(DEMO_APP_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    with run_emulator(port=options.emulator_port, seed_mailboxes=(owner,)) as emulator:
        token, credentials = _write_auth(folder / "config", emulator.url, owner)
        env = {
            "GMA_ENVIRONMENT": "development",
            "GMA_SERVER_LOG_LEVEL": "WARNING",
            "GMA_DB_BACKEND": "sqlite",
            "GMA_DB_SQLITE_PATH": str(db_path),
            "GMA_GMAIL_API_ENDPOINT": emulator.url,
            "GMA_AUTH_MODE": "personal_oauth",
            "GMA_AUTH_TOKEN_FILE": str(token),
            "GMA_AUTH_CREDENTIALS_FILE": str(credentials),
            "GMA_AUTH_TOKEN_CACHE_FILE": str(folder / "token-cache.json"),
            "GMA_SYNC_PUBSUB_TOPIC": "projects/demo/topics/gmail-push",
            "GMA_CONFIG_FILE": str(app_config),
            **OFFLINE_MODELS,
        }
        server = ServerProcess(
            env=env, port=options.port or free_port(), log_path=folder / "server.log"
        )
        echo(f"demo: data in {folder}; emulator at {emulator.url}; starting the server …")
        server.start(timeout=options.timeout)
        try:
            response = httpx.post(
                f"{server.url}/api/auth/init", params={"email": owner}, timeout=60
            )
            response.raise_for_status()
            emulator.state.set_push_url(owner, f"{server.url}/webhook/gmail")
            echo(f"demo: onboarded {owner}; delivering {len(mails)} sample mails …")
            threads = deliver_all(emulator.state, owner, mails)
            user_id = response.json().get("user_id", 1)
            # Pushes trigger syncs; one explicit sync covers a push that raced onboarding.
            httpx.post(f"{server.url}/api/sync", params={"user_id": user_id}, timeout=30)
            _wait(lambda: _queue_idle(db_path), options.timeout, "triage of the sample mail")
            echo("demo: triage done; now playing the owner (send, rework, done, manual draft) …")
            notes = _play_owner(_Owner(emulator, owner), mails, threads)
            time.sleep(0.5)  # let the pushes of the owner's label changes arrive
            # A sent draft shows up in history without a push on the watched labels; the
            # scheduler's fallback sync would find it within minutes — the demo asks now.
            httpx.post(f"{server.url}/api/sync", params={"user_id": user_id}, timeout=30)
            _wait(lambda: _queue_idle(db_path), options.timeout, "the owner's actions")
            report = build_report(
                db_path, mails, threads, emulator.calls(), _gmail_view(emulator, owner)
            )
            report.notes.extend(notes)
            (folder / "report.json").write_text(json.dumps(report.as_dict(), indent=2))
            echo(render_report(report))
            echo("")
            echo(f"debug pages: {server.url}/debug/emails   admin: {server.url}/admin/")
            echo(f"health:      {server.url}/debug/health   API docs: {server.url}/docs")
            if not options.exit_after:
                echo("The server keeps running; press Ctrl-C to stop.")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    echo("\ndemo: stopping")
            return report
        finally:
            server.terminate()
