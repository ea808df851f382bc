"""Corrections read back from real `emails` / `email_events` rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from api_support import seed_email, seed_rows, seed_user
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
from gmail_assistant.db import utcnow
from gmail_assistant.db.models import EmailEvent

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


async def test_owner_moves_are_reclassify_examples_against_the_models_category(
    tmp_path: Path,
) -> None:
    async with migrated_database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}") as db:
        alice = await seed_user(db, "alice@example.com")
        now = utcnow()
        ids = {}
        for name in ("invoice", "agent", "back", "garbled"):
            ids[name] = await seed_email(
                db, alice, sender_email="billing@vendor.example", subject=name,
                gmail_thread_id=f"t-{name}",
            )  # fmt: skip

        def event(name: str, event_type: str, detail: str, minutes: int) -> EmailEvent:
            return EmailEvent(
                user_id=alice, email_id=ids[name], thread_id=f"t-{name}", event_type=event_type,
                detail=detail, created_at=now - timedelta(minutes=60 - minutes),
            )  # fmt: skip

        moved = "owner_reclassified"
        await seed_rows(
            db,
            # The model said payment_request; the payment alert made it action_required;
            # the owner filed it as fyi: the model's category is the prediction.
            event("invoice", "classified", "payment_request (0.90): an invoice", 1),
            event("invoice", moved, "owner moved the thread to fyi (was action_required)", 2),
            # No model call (an agent labelled it): "was" is the prediction.
            event("agent", moved, "owner moved the thread to fyi (was waiting)", 3),
            # fyi → owner Needs Response → owner back to fyi: the model was right after all.
            event("back", "classified", "fyi (0.80): a notice", 4),
            event("back", "manual_draft_requested", "owner added Needs Response (was fyi)", 5),
            event("back", moved, "owner moved the thread to fyi (was needs_response)", 6),
            event("garbled", moved, "owner moved the thread to nowhere (was fyi)", 7),
        )
        async with db.read() as session:
            found = await examples(session, user_id=alice)

    assert [(c.subject, c.kind, c.predicted, c.corrected) for c in found] == [
        ("invoice", CorrectionKind.RECLASSIFY, "payment_request", "fyi"),
        ("agent", CorrectionKind.RECLASSIFY, "waiting", "fyi"),
        ("back", CorrectionKind.RECLASSIFY, "fyi", "needs_response"),
        ("back", CorrectionKind.RECLASSIFY, "fyi", "fyi"),
    ]
    assert labelled_pairs(found) == [
        ("fyi", "payment_request"),
        ("fyi", "waiting"),
        ("fyi", "fyi"),
    ]
    # Two mails of one sender moved to fyi; the mail the model had right does not count.
    assert override_suggestions(found) == [
        OverrideSuggestion("sender", "billing@vendor.example", "fyi", 2)
    ]
