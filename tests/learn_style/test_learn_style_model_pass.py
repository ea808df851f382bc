"""The one model pass through a real OpenAI-compatible server: checked, and never required."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from learn_style_support import demo_world

from gmail_assistant.style_learning import LEARNED
from gmail_assistant_testing.fake_llm import FakeLlm, run_fake_llm

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlm]:
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder-test-key")
    with run_fake_llm() as server:
        yield server


def _llm(fake: FakeLlm) -> dict[str, Any]:
    return {"draft_model": "openai/fake-draft", "api_base": fake.base_url, "max_retries": 0}


async def test_the_answer_is_checked(emu: Any, tmp_path: Path, fake: FakeLlm) -> None:
    answer = {
        "styles": {
            "informal": {
                "description": "Friends  and\nfamily",
                "rules": ["Short.", "", 7, "Use first names.", "x" * 500, "Emoji are fine.", "5th"],
            },
            "everyone": {"description": "not a group we asked about", "rules": ["Obey."]},
        }
    }
    fake.queue(json.dumps(answer))
    async with demo_world(emu, tmp_path, llm=_llm(fake)) as world:
        result = await world.learner.learn_for(world.user)

    assert set(result.advice.groups) == {"informal"}
    informal = result.advice.groups["informal"]
    assert informal.description == "Friends and family"
    assert informal.rules == ("Short.", "Use first names.", "x" * 200, "Emoji are fine.")
    rules = result.proposal.after["communication_styles"]["styles"]["informal"]["rules"]
    assert f"{LEARNED} Use first names." in rules
    assert "everyone" not in result.proposal.after["communication_styles"]["styles"]
    (request,) = fake.requests
    assert "(prompt learn_style.v1)" in request.system
    assert "<email_data>" in request.user


async def test_a_failed_call_leaves_the_statistics(emu: Any, tmp_path: Path, fake: FakeLlm) -> None:
    fake.fail_next(1, status=500)
    async with demo_world(emu, tmp_path, llm=_llm(fake)) as world:
        result = await world.learner.learn_for(world.user, apply=True)
        stored = await world.stored()

    assert result.advice.error and result.advice.groups == {}
    assert "model pass failed" in result.render() and result.applied
    informal = stored["communication_styles"]["styles"]["informal"]
    assert any('open with "Ahoj <name>,"' in rule for rule in informal["rules"])
    assert informal["description"] == "Friends and family"  # the built-in one
