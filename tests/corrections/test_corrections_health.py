"""The health page shows accuracy, draft acceptance and override suggestions from corrections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from api_support import build_app, database, make_settings, running, seed_user
from corrections_support import seed_corrections

pytestmark = pytest.mark.anyio


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_health_page_shows_the_owners_corrections(tmp_path: Path) -> None:
    app = build_app(make_settings(tmp_path))
    async with running(app) as client:
        empty = _text((await client.get("/debug/health")).text)
        assert "— classification accuracy, last 30 days (0 mails, 0 corrections)" in empty
        assert "No drafts sent in the last 8 weeks." in empty
        assert "Suggested contact overrides" not in empty

        alice = await seed_user(database(app), "alice@example.com")
        await seed_corrections(database(app), alice)
        page = _text((await client.get("/debug/health")).text)

    assert "40 % classification accuracy, last 30 days (5 mails, 7 corrections)" in page
    # Two weeks of acceptance: 60 % (one draft sent), then 90 % with one of two unchanged.
    assert re.search(r"\d{4}-\d\d-\d\d 1 60 % 0 % \d{4}-\d\d-\d\d 2 90 % 50 %", page)
    assert "Suggested contact overrides" in page
    suggested = page.split("Suggested contact overrides", 1)[1]
    assert "domain acme.example → needs_response (corrected 4 times)" in suggested
    assert "sender boss@acme.example → needs_response (corrected 2 times)" in suggested
    assert "gmail.com" not in suggested  # a shared domain is never suggested
