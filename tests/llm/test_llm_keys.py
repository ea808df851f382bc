from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gmail_assistant.llm import LlmConfigError, check_provider_keys
from gmail_assistant.settings import LlmSettings

KEYS = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY")


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)


def test_missing_gemini_key_warns_in_development() -> None:
    warnings = check_provider_keys(LlmSettings(), production=False)
    assert len(warnings) == 1  # one message per missing variable, not per model
    assert warnings[0].startswith("GEMINI_API_KEY")
    assert "GMA_LLM_CLASSIFY_MODEL=gemini/gemini-2.0-flash" in warnings[0]


def test_missing_gemini_key_fails_in_production() -> None:
    with pytest.raises(LlmConfigError, match=r"GEMINI_API_KEY.*gemini/gemini-2\.0-flash"):
        check_provider_keys(LlmSettings(), production=True)


def test_present_keys_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    assert check_provider_keys(LlmSettings(), production=True) == []


def test_anthropic_draft_model_needs_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    settings = LlmSettings(draft_model="anthropic/claude-sonnet-4-5")
    with pytest.raises(LlmConfigError, match=r"ANTHROPIC_API_KEY.*GMA_LLM_DRAFT_MODEL"):
        check_provider_keys(settings, production=True)


def test_offline_and_local_openai_compatible_models_need_no_key() -> None:
    offline = LlmSettings(
        classify_model="offline/classify",
        draft_model="offline/draft",
        context_model="offline/context",
        agent_model="offline/agent",
    )
    assert check_provider_keys(offline, production=True) == []
    local = LlmSettings(
        classify_model="openai/fast",
        draft_model="openai/smart",
        context_model="offline/context",
        agent_model="openai/smart",
        api_base="http://127.0.0.1:8765/v1",
    )
    assert check_provider_keys(local, production=True) == []
    remote = local.model_copy(update={"api_base": ""})
    [warning] = check_provider_keys(remote, production=False)
    assert warning.startswith("OPENAI_API_KEY")


def test_a_model_without_a_known_provider_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    settings = LlmSettings(agent_model="nonsense-model")
    with pytest.raises(LlmConfigError, match="GMA_LLM_AGENT_MODEL=nonsense-model"):
        check_provider_keys(settings, production=True)


@pytest.mark.parametrize(
    "model", ["gemini/gemini-2.0-flash", "anthropic/claude-sonnet-4-5", "openai/gpt-4o-mini"]
)
def test_the_direct_check_names_what_litellm_names(model: str) -> None:
    # The start checks these providers without importing LiteLLM; LiteLLM must agree.
    from gmail_assistant.llm._litellm import get_litellm
    from gmail_assistant.llm.keys import KNOWN_PROVIDER_KEYS

    found = get_litellm().validate_environment(model=model)
    assert set(found["missing_keys"]) == set(KNOWN_PROVIDER_KEYS[model.split("/")[0]])


def test_the_default_models_are_checked_without_importing_litellm() -> None:
    code = (
        "import sys\n"
        "from gmail_assistant.llm.keys import check_provider_keys\n"
        "from gmail_assistant.settings import LlmSettings\n"
        "problems = check_provider_keys(LlmSettings(), production=False)\n"
        "print(len(problems), 'litellm' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["1", "False"]


def test_the_reserved_context_model_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    settings = LlmSettings(context_model="anthropic/claude-sonnet-4-5")
    assert check_provider_keys(settings, production=True) == []
