"""`test-classification --from-corrections` scores what the owner corrected in the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from api_support import seed_user
from corrections_support import seed_corrections
from typer.testing import CliRunner

from dbfixtures import migrated_database
from gmail_assistant.cli import _register, app


def _seed(path: Path) -> int:
    async def seed() -> int:
        async with migrated_database(f"sqlite+aiosqlite:///{path}") as db:
            alice = await seed_user(db, "alice@example.com")
            await seed_corrections(db, alice)
            return alice

    return asyncio.run(seed())


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _register()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(tmp_path / "x.db"))


def test_report_over_the_owners_corrections(tmp_path: Path) -> None:
    alice = _seed(tmp_path / "x.db")
    runner = CliRunner()
    result = runner.invoke(app, ["test-classification", "--from-corrections"])
    assert result.exit_code == 0, result.output
    out = result.output
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "accuracy 33.3% over 6 mails" in out
    assert "needs_response 100.0% 33.3%" in lines  # 2 of 2 predicted right, 2 of 6 found
    assert "fyi 0.0% 0.0%" in lines
    assert "8 corrections: 4 reclassify, 1 rework, 2 sent_edited, 1 sent_unchanged" in out
    assert "suggested contact overrides (not applied):" in out
    assert "sender boss@acme.example → needs_response (corrected 2 times)" in out
    assert "domain acme.example → needs_response (corrected 4 times)" in out
    assert "gmail.com" not in out  # a shared domain is never suggested
    weeks = [line.split()[1:] for line in lines if line[:4].isdigit()]
    assert weeks == [["1", "60.0%", "0.0%"], ["2", "90.0%", "50.0%"]]  # two weeks of acceptance

    recent = runner.invoke(
        app, ["test-classification", "--from-corrections", "--days", "30", "--user-id", str(alice)]
    )
    assert recent.exit_code == 0, recent.output
    assert "accuracy 40.0% over 5 mails" in recent.output
    nobody = runner.invoke(app, ["test-classification", "--from-corrections", "--user-id", "99"])
    assert "accuracy 0.0% over 0 mails" in nobody.output
    assert "no corrections recorded" in nobody.output
