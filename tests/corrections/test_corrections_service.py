"""Corrections read back from real `emails` / `email_events` rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from api_support import seed_user
from corrections_support import seed_corrections

from dbfixtures import migrated_database
from gmail_assistant.corrections import (
    CorrectionKind,
    OverrideSuggestion,
    accuracy,
    examples,
    health,
    labelled_pairs,
    override_suggestions,
    weekly_acceptance,
)

pytestmark = pytest.mark.anyio


async def test_every_correction_becomes_a_labelled_example(tmp_path: Path) -> None:
    async with migrated_database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}") as db:
        alice = await seed_user(db, "alice@example.com")
        bob = await seed_user(db, "bob@example.com")
        story = await seed_corrections(db, alice)
        await seed_corrections(db, bob)
        async with db.read() as session:
            found = await examples(session, user_id=alice)
            recent = await examples(session, user_id=alice, since=story.now - timedelta(days=30))
            everyone = await examples(session)

    assert [(c.subject, c.kind, c.predicted, c.corrected) for c in found] == [
        ("old", CorrectionKind.RECLASSIFY, "fyi", "needs_response"),
        ("boss-1", CorrectionKind.RECLASSIFY, "fyi", "needs_response"),
        ("boss-1", CorrectionKind.SENT_EDITED, "fyi", "needs_response"),
        ("boss-2", CorrectionKind.RECLASSIFY, "fyi", "needs_response"),
        ("ceo", CorrectionKind.RECLASSIFY, "action_required", "needs_response"),
        ("rework", CorrectionKind.REWORK, "needs_response", "needs_response"),
        ("rework", CorrectionKind.SENT_UNCHANGED, "needs_response", "needs_response"),
        ("edited", CorrectionKind.SENT_EDITED, "needs_response", "needs_response"),
    ]
    rework = next(c for c in found if c.kind is CorrectionKind.REWORK)
    assert rework.instruction == "shorter, and sign as Jan"
    assert (rework.thread_id, rework.sender_email) == ("t-rework", "x@gmail.com")
    assert [c.similarity for c in found if c.similarity is not None] == [0.6, 1.0, 0.8]
    assert {c.user_id for c in found} == {alice}
    assert "old" not in {c.subject for c in recent} and len(recent) == 7
    assert len(everyone) == 16

    pairs = labelled_pairs(found)
    assert len(pairs) == 6  # one per corrected mail; "fine" was never corrected
    assert accuracy(pairs) == pytest.approx(2 / 6)
    assert accuracy(labelled_pairs(recent)) == pytest.approx(2 / 5)
    assert accuracy([]) is None


async def test_repeated_corrections_suggest_overrides_and_acceptance_is_weekly(
    tmp_path: Path,
) -> None:
    async with migrated_database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}") as db:
        alice = await seed_user(db, "alice@example.com")
        story = await seed_corrections(db, alice)
        async with db.read() as session:
            found = await examples(session, user_id=alice)
            section = await health(session, now=story.now)

    assert override_suggestions(found) == [
        OverrideSuggestion("domain", "acme.example", "needs_response", 4),
        OverrideSuggestion("sender", "boss@acme.example", "needs_response", 2),
    ]
    weeks = weekly_acceptance(found)
    assert [(w.sent, w.mean_similarity, w.unchanged_share) for w in weeks] == [
        (1, pytest.approx(0.6), 0.0),
        (2, pytest.approx(0.9), 0.5),
    ]
    assert all(w.week.weekday() == 0 for w in weeks)
    assert section.accuracy == pytest.approx(0.4)
    assert (section.labelled, section.corrections) == (5, 7)
    assert section.weeks == weeks
    assert section.suggestions == override_suggestions(found)
