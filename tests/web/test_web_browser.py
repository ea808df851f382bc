"""A real browser over the real server: list, search, email page, LLM call, Reclassify, admin,
health.

Needs the `playwright` Python package (a dev dependency) and Debian's Chromium at
`/usr/bin/chromium` (`scripts/bootstrap.py test` installs it when run as root; `playwright
install` would download from a CDN that CI cannot reach); skips with the reason otherwise.
Screenshots land in `test-output/screenshots/`.
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from api_support import ADMIN, PASSWORD, seed_email, seed_thread_story, seed_user
from sqlalchemy import select

from gmail_assistant.backup import create_backup
from gmail_assistant.db import Database
from gmail_assistant.db.migrate import upgrade
from gmail_assistant.db.models import Job
from gmail_assistant.devtools import ServerProcess, repo_root

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="playwright is not installed (`uv sync` installs the dev group)",
    ),
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; as root "
        "`scripts/bootstrap.py test` does it unless GMA_SKIP_BROWSER_INSTALL is set)",
    ),
]

SCREENSHOTS = repo_root() / "test-output" / "screenshots"
# Headless and self-contained: no sandbox (CI runs as root), no GPU, no /dev/shm (small in
# containers), and nothing that phones home (first run, component updates, sync).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def _seed(url: str) -> int:
    db = Database(url=url)
    try:
        await upgrade(db)
        user = await seed_user(db, "owner@example.com")
        for i in range(5):
            await seed_email(db, user, subject=f"Newsletter {i}", classification="fyi")
        email_id = await seed_email(
            db, user, subject="Contract renewal question", gmail_thread_id="t-browser",
            classification="needs_response", status="drafted", reasoning="Asks about renewal",
        )  # fmt: skip
        await seed_thread_story(db, user, email_id, "t-browser")
        return email_id
    finally:
        await db.dispose()


async def _jobs(url: str) -> list[Any]:
    db = Database(url=url)
    try:
        async with db.read() as session:
            return list((await session.execute(select(Job))).scalars())
    finally:
        await db.dispose()


def test_debug_pages_and_admin_in_a_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    db_path = tmp_path / "data" / "inbox.db"
    db_path.parent.mkdir(parents=True)
    url = f"sqlite+aiosqlite:///{db_path}"
    email_id = asyncio.run(_seed(url))
    backup = create_backup(db_path)  # the health page shows the newest one
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    env = {
        "GMA_DB_SQLITE_PATH": str(db_path),
        "GMA_SERVER_ADMIN_USER": ADMIN,
        "GMA_SERVER_ADMIN_PASSWORD": PASSWORD,
        # Keep the queued job pending so the test can read it back.
        "GMA_SERVER_WORKERS_ENABLED": "false",
        "GMA_SERVER_SCHEDULER_ENABLED": "false",
    }
    with (
        ServerProcess(env=env, log_path=tmp_path / "server.log") as server,
        sync_playwright() as pw,
    ):
        # A persistent context is how Playwright takes a user-data-dir: a fresh one per run.
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            http_credentials={"username": ADMIN, "password": PASSWORD},
        )
        page = context.new_page()

        page.goto(server.url + "/")
        assert page.url.endswith("/debug/emails")
        assert "6 found" in page.inner_text("h1")
        page.screenshot(path=str(SCREENSHOTS / "01-email-list.png"), full_page=True)

        page.fill("input[name=q]", "renewal")
        page.click("form.filters button[type=submit]")
        page.wait_for_url(lambda u: "q=renewal" in u)
        assert "1 found" in page.inner_text("h1")
        page.screenshot(path=str(SCREENSHOTS / "02-search.png"), full_page=True)

        page.click("text=Contract renewal question")
        page.wait_for_url(f"**/debug/emails/{email_id}")
        details = page.locator("details.llm-call").first
        assert not details.locator("pre").first.is_visible()
        details.locator("summary").click()
        assert details.locator("pre").first.is_visible()
        assert "SYSTEM-PROMPT-TEXT" in details.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "03-email-llm-call.png"), full_page=True)

        page.click("button:has-text('Reclassify')")
        page.wait_for_url(lambda u: "flash=reclassify" in u)
        assert "Re-classification queued." in page.inner_text(".flash")
        page.screenshot(path=str(SCREENSHOTS / "04-reclassified.png"), full_page=True)

        page.goto(server.url + "/admin/email/list")
        assert "Contract renewal question" in page.content()
        page.screenshot(path=str(SCREENSHOTS / "05-admin-emails.png"), full_page=True)

        page.goto(server.url + "/debug/health")
        assert backup.path.name in page.inner_text("p.backup")
        page.screenshot(path=str(SCREENSHOTS / "06-health.png"), full_page=True)
        context.close()

    jobs = asyncio.run(_jobs(url))
    pending = [j for j in jobs if j.status == "pending"]
    assert [(j.job_type, j.thread_id, j.payload.get("force")) for j in pending] == [
        ("classify", "t-browser", True)
    ]
