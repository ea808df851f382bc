"""The owner's settings in v2.3.0's shapes reach classification and the draft prompt.

The rows come from the real v2.3.0 database in the shared fixtures (a custom `studio` style,
contacts with every kind of override, `sign_off_name`, `default_language`).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmail_assistant.classify.classifier import Classifier
from gmail_assistant.classify.rules import AutomationVerdict, detect_automation
from gmail_assistant.classify.style import style_details, style_menu
from gmail_assistant.cli.sample_mail import parse_fields
from gmail_assistant.draft.composer import DraftComposer
from gmail_assistant.gmail.models import ThreadData
from gmail_assistant.llm.records import LlmResult
from gmail_assistant.users.preferences import CommunicationStyles, Preferences

SEED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "seed-v2.3.0" / "inbox.db"


@pytest.fixture(scope="module")
def v2_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not SEED.is_file():
        pytest.skip(f"fixture database missing: {SEED}")
    copy = tmp_path_factory.mktemp("seed") / "inbox.db"
    shutil.copy(SEED, copy)  # the fixture is read-only; SQLite may want to write beside it
    with sqlite3.connect(copy) as conn:
        rows = conn.execute("SELECT setting_key, setting_value FROM user_settings").fetchall()
    return {key: json.loads(value) for key, value in rows}


class RecordingLlm:
    """Answers every call with `answer` and keeps the prompts it was given."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    async def complete(self, **call: Any) -> LlmResult:
        self.calls.append(call)
        return LlmResult(self.answer, call["model"], 1, 1, 1, None, True, 0)


def mail(sender: str, body: str = "Could you send the plans by Friday?") -> Any:
    return parse_fields({"from": sender, "subject": "Plans", "body": body})


def test_v2_rows_parse_into_every_field(v2_rows: dict[str, Any]) -> None:
    prefs = Preferences.from_settings(v2_rows)
    assert set(prefs.styles) == {"formal", "business", "informal", "studio"}
    assert prefs.default_style == "business"
    assert prefs.sign_off_name == "Marek" and prefs.default_language == "cs"
    business = prefs.styles["business"]
    assert business.sign_off_variants == {"with_thanks": "Díky, Marek"}
    assert prefs.styles["formal"].examples[0].context == "Reply to a school"
    assert prefs.contacts.language_overrides == {"client@abroad.example": "en"}


@pytest.mark.parametrize(
    ("sender", "proposed", "expected"),
    [
        ("partner@studio-d.example", None, ("studio", "sender override")),
        ("Mum@Example.cz", "formal", ("informal", "sender override")),
        ("office@praha.gov.cz", "informal", ("formal", "domain override")),
        ("someone@else.example", "studio", ("studio", "model")),  # a custom name the model chose
        ("someone@else.example", "made-up", ("business", "default")),
    ],
)
def test_style_resolution(
    v2_rows: dict[str, Any], sender: str, proposed: str | None, expected: tuple[str, str]
) -> None:
    assert Preferences.from_settings(v2_rows).style_for(sender, proposed) == expected


def test_language_overrides_and_defaults(v2_rows: dict[str, Any]) -> None:
    prefs = Preferences.from_settings(v2_rows)
    assert prefs.language_for("client@abroad.example", "cs", "business") == "en"
    assert prefs.language_for("x@y.example", "de", "business") == "de"
    assert prefs.language_for("x@y.example", "", "business") == "cs"  # default_language
    assert prefs.language_for("x@y.example", "", "studio") == "cs"  # the style's language
    assert Preferences().language_for("x@y.example", "", "business") == "en"


def test_blacklist_globs_make_mail_automated(v2_rows: dict[str, Any]) -> None:
    prefs = Preferences.from_settings(v2_rows)
    hit = detect_automation(
        sender_email="alerts@bank.example", headers={}, blacklist=prefs.contacts.blacklist
    )
    miss = detect_automation(
        sender_email="partner@studio-d.example", headers={}, blacklist=prefs.contacts.blacklist
    )
    assert hit.automated and "alerts@*" in hit.describe()
    assert not miss.automated


@pytest.mark.anyio
async def test_draft_prompt_carries_the_custom_style(v2_rows: dict[str, Any]) -> None:
    llm = RecordingLlm("Dobrý den, posílám.")
    composer = DraftComposer(llm=llm, model="m")
    message = mail("partner@studio-d.example")
    thread = ThreadData(id=message.thread_id, messages=(message,), history_id=1)
    await composer.compose(
        thread=thread,
        style="studio",
        styles=v2_rows,
        language="cs",
        related="",
        instructions=None,
    )
    system = llm.calls[0]["system"]
    assert "Style: studio" in system
    assert "Mention the project code when known" in system
    assert "Sign-off: Marek | Studio D" in system
    assert "Best regards" not in system


def test_sign_off_name_signs_a_style_without_its_own_sign_off() -> None:
    rows = {"communication_styles": {"styles": {"brief": {"rules": ["One line"]}}}}
    unnamed = style_details("brief", rows)
    named = style_details("brief", {**rows, "sign_off_name": "Marek"})
    assert named.sign_off.startswith("Best regards,\nMarek")
    assert "Marek" not in unnamed.sign_off


def test_examples_and_variants_reach_the_prompt(v2_rows: dict[str, Any]) -> None:
    formal = style_details("formal", v2_rows)
    assert "Situation: Reply to a school" in formal.examples
    assert "účast potvrzuji" in formal.examples
    business = style_details("business", v2_rows)
    assert "with_thanks: Díky, Marek" in business.sign_off


@pytest.mark.anyio
async def test_classifier_offers_the_owners_styles_and_keeps_a_custom_pick(
    v2_rows: dict[str, Any],
) -> None:
    answer = {
        "category": "needs_response",
        "confidence": 0.9,
        "reasoning": "asks",
        "style": "Studio",
    }
    llm = RecordingLlm(json.dumps(answer))
    result = await Classifier(llm=llm, model="m").classify(
        mail("new@partner.example"),
        owner_email="me@example.com",
        owner_wrote_last=False,
        automation=AutomationVerdict(False),
        styles=style_menu(Preferences.from_settings(v2_rows)),
    )
    system = llm.calls[0]["system"]
    assert '"studio": Architecture studio partners (custom style)' in system
    assert result.style == "studio"
    assert result.language == ""  # the model did not say: the owner's settings decide


def test_unknown_keys_are_named_once(caplog: pytest.LogCaptureFixture) -> None:
    rows = {"contacts": {"blacklst": ["*@x.example"]}, "favourite_colour": "red"}
    with caplog.at_level("WARNING"):
        Preferences.from_settings(rows, where="user 77")
        Preferences.from_settings(rows, where="user 77")
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("user 77: unknown key contacts.blacklst ignored") == 1
    assert messages.count("user 77: unknown setting 'favourite_colour' ignored") == 1


TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)
STYLE = st.fixed_dictionaries(
    {},
    optional={
        "description": TEXT,
        "rules": st.lists(TEXT, max_size=3),
        "sign_off": TEXT,
        "language": st.sampled_from(["auto", "cs", "en", "de"]),
        "examples": st.lists(TEXT, max_size=2),
    },
)
NAMES = st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True).filter(
    lambda name: name not in ("default", "styles")
)


@given(st.dictionaries(NAMES, STYLE, max_size=4))
def test_both_shapes_of_communication_styles_mean_the_same(styles: dict[str, Any]) -> None:
    earlier = CommunicationStyles.model_validate(styles)
    v2 = CommunicationStyles.model_validate({"styles": styles})
    assert earlier == v2
    # What is stored reads back as the same setting.
    assert CommunicationStyles.model_validate(v2.model_dump(mode="json")) == v2
