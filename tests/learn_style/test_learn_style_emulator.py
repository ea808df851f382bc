"""`learn-style` against the emulator loaded with the demo mailbox, on the offline model."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from learn_style_support import demo_world, dumped, sent_bodies
from sqlalchemy import select

from gmail_assistant.db.models import LlmCall
from gmail_assistant.style_learning import LEARNED
from gmail_assistant.style_learning.service import TASK_NAME
from gmail_assistant.users.preferences import STYLE_PROPOSAL, Preferences

pytestmark = pytest.mark.anyio


def _languages(group: Any) -> dict[str, Any]:
    return {lang.language: lang for lang in group.languages}


async def test_traits_of_the_demo_owner_and_nothing_changes_without_apply(
    emu: Any, tmp_path: Path
) -> None:
    async with demo_world(emu, tmp_path) as world:
        result = await world.learner.learn_for(world.user)
        stored = await world.stored()
        async with world.container.database.read() as session:
            calls = list((await session.scalars(select(LlmCall))).all())

    profile = result.profile
    assert profile.replies == sum(m.sent for m in world.mails) == 10
    assert profile.languages == {"cs": 4, "de": 3, "en": 3}
    formal, business, informal = (profile.group(n) for n in ("formal", "business", "informal"))
    assert formal and business and informal

    de_formal = _languages(formal)["de"]
    assert de_formal.greeting in {"Sehr geehrte Frau <name>,", "Sehr geehrter Herr <name>,"}
    assert de_formal.sign_off == "Mit freundlichen Grüßen\nJana Dvořáková"
    assert (de_formal.address, de_formal.address_share) == ("Sie", 1.0)
    assert _languages(formal)["cs"].greeting == "Vážená paní <name>,"

    cs_business, en_business = _languages(business)["cs"], _languages(business)["en"]
    assert cs_business.address == "vykání"
    assert cs_business.sign_off == "S pozdravem\nJana Dvořáková"
    assert en_business.greeting == "Hello <name>,"
    assert en_business.sign_off == "Best regards,\nJana"
    assert "let me know if" in business.phrases

    by_language = _languages(informal)
    assert (by_language["cs"].greeting, by_language["cs"].address) == ("Ahoj <name>,", "tykání")
    assert (by_language["de"].greeting, by_language["de"].address) == ("Hallo <name>,", "du")
    assert by_language["en"].sign_off == "Cheers,\nJana"
    assert informal.median_words < business.median_words

    inferred = {(c.kind, c.key): c.style for c in profile.contacts}
    assert inferred == {
        ("sender", "ondra.kral@example.cz"): "informal",
        ("sender", "mark.hughes@example.com"): "informal",
        ("sender", "lena.maier@example.de"): "informal",
        ("sender", "a.boehm@fliesen-boehm.example.de"): "formal",
        ("sender", "keller@hotel-loewenhof.example.de"): "formal",
        ("sender", "vystavba@urad-praha5.example.cz"): "formal",
    }

    # The one model pass, through the gateway, recorded like every call.
    (call,) = [c for c in calls if c.purpose == "learn_style"]
    assert call.model == "offline/draft" and call.error is None
    advice = result.advice.groups
    assert advice["informal"].description.startswith("[offline demo model]")
    assert "<email_data>" in (call.user_prompt or "")

    # A readable diff, and nothing written.
    out = result.render()
    assert "nothing was changed; run again with --apply" in out
    assert "+  ondra.kral@example.cz: informal" in out
    assert '(learned) In Czech: open with "Ahoj <name>,"' in out
    assert "      Mit freundlichen Grüßen\n" in out  # a sign-off as a YAML block, readable
    assert stored == {}
    assert result.proposal.before["communication_styles"]["styles"] == {}


async def test_apply_writes_styles_and_overrides_and_keeps_the_owners_edits(
    emu: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with demo_world(emu, tmp_path) as world:
        users = world.container.users
        caplog.set_level(logging.INFO, logger="gmail_assistant.style_learning")
        first = await world.learner.learn_for(world.user, apply=True)
        stored = await world.stored()
        assert first.applied and "applied: communication_styles, contacts written" in (
            first.render()
        )
        assert any(r.message == "learned style applied" for r in caplog.records)

        preferences = Preferences.from_settings(stored)
        assert preferences.style_for("ondra.kral@example.cz", "business") == (
            "informal",
            "sender override",
        )
        informal = preferences.styles["informal"]
        assert informal.sign_off_variants == {
            "cs": "Měj se\nJana",
            "de": "Liebe Grüße\nJana",
            "en": "Cheers,\nJana",
        }
        assert any('open with "Hallo <name>,"' in rule for rule in informal.rules)

        # Privacy: only short examples, never a whole sent body.
        text = dumped(stored)
        assert all(body not in text for body in sent_bodies(world.mails))
        examples = [e for s in preferences.styles.values() for e in s.examples]
        assert examples and all(len(e.draft) <= 160 for e in examples)

        # The owner edits: an own rule, a different style for a learned contact, one
        # learned example deleted.
        styles = stored["communication_styles"]
        styles["styles"]["business"]["rules"].append("Mention the project code.")
        styles["styles"]["informal"]["examples"] = styles["styles"]["informal"]["examples"][:1]
        await users.set_setting(world.user.id, "communication_styles", styles)
        contacts = stored["contacts"]
        contacts["style_overrides"]["ondra.kral@example.cz"] = "business"
        await users.set_setting(world.user.id, "contacts", contacts)

        second = await world.learner.learn_for(world.user, apply=True)
        again = Preferences.from_settings(await world.stored())

    business = again.styles["business"]
    assert "Mention the project code." in business.rules
    learned = [r for r in business.rules if r.startswith(LEARNED)]
    first_learned = [
        r for r in first.proposal.after["communication_styles"]["styles"]["business"]["rules"]
        if r.startswith(LEARNED)
    ]  # fmt: skip
    assert learned == first_learned  # replaced, not piled up
    assert again.contacts.style_overrides["ondra.kral@example.cz"] == "business"
    assert len(again.styles["informal"].examples) == 2  # learned ones come back on --apply
    assert "Hi <name>," in "\n".join(again.styles["informal"].rules)
    assert second.proposal.changed == ("communication_styles",)


async def test_the_monthly_run_only_proposes(emu: Any, tmp_path: Path) -> None:
    async with demo_world(emu, tmp_path) as world:
        task = next(t for t in world.container.periodic if t.name == TASK_NAME)
        assert task.interval.days == 30
        waiting = await task.run()
        stored = await world.stored()
        settings = await world.container.users.settings(world.user.id)

        applied = await world.learner.learn_for(world.user, apply=True)
        after_apply = await world.stored()
        nothing_new = await world.learner.propose_for_all()
        after_second_run = await world.stored()

    assert waiting == 1
    assert set(stored) == {STYLE_PROPOSAL}  # the owner's styles are untouched
    proposal = stored[STYLE_PROPOSAL]
    assert proposal["replies"] == 10
    assert "+  ondra.kral@example.cz: informal" in proposal["diff"]
    assert proposal["apply_with"] == "gmail-assistant learn-style --user owner@example.com --apply"
    assert Preferences.from_settings(settings) == Preferences()  # a proposal is no preference

    assert applied.applied and STYLE_PROPOSAL not in after_apply
    assert nothing_new == 0 and STYLE_PROPOSAL not in after_second_run


async def test_since_limits_the_sample(emu: Any, tmp_path: Path) -> None:
    from datetime import date, timedelta

    async with demo_world(emu, tmp_path) as world:
        future = await world.learner.learn_for(world.user, since=date.today() + timedelta(days=2))
        few = await world.learner.learn_for(world.user, limit=3)

    assert future.profile.replies == 0 and future.query.startswith("in:sent after:")
    assert "no sent replies to learn from" in future.render()
    assert few.profile.replies <= 3


async def test_only_the_owners_own_replies_count(emu: Any, tmp_path: Path) -> None:
    owner = "Jana Dvořáková <owner@example.com>"
    emu.state.deliver(
        "owner@example.com",
        sender=owner,
        to="Tom <tom@example.org>",
        subject="Re: Plans",
        body="\n\n✂️\n\n[offline demo model]\n\nHello,\n\nthank you for your message.",
        sent=True,
    )  # the assistant's draft, sent as it was
    emu.state.deliver(
        "owner@example.com",
        sender=owner,
        to="Tom <tom@example.org>",
        subject="New project",
        body="Hi Tom,\n\nhere is something new.\n\nCheers,\nJana",
        sent=True,
    )  # not a reply
    emu.state.deliver(
        "owner@example.com",
        sender=owner,
        to="owner@example.com",
        subject="Re: note to self",
        body="Remember the plans.",
        sent=True,
    )  # to herself
    async with demo_world(emu, tmp_path) as world:
        result = await world.learner.learn_for(world.user)
    assert result.profile.replies == 10  # the demo's replies, none of the three above
    assert "tom@example.org" not in result.render()
