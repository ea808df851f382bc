"""Check at start that every configured model has its provider key in the environment.

Provider keys come only from the environment (`GEMINI_API_KEY`, `ANTHROPIC_API_KEY`, …).
A missing key is a warning in development, where the offline model or a fake server may
stand in, and `LlmConfigError` in production, so the pod fails at start instead of inside
the first job.

The usual providers are checked against the environment directly, so that the check costs no
LiteLLM import at start (seconds); any other model asks LiteLLM itself.
"""

from __future__ import annotations

import os

from gmail_assistant.llm._litellm import OFFLINE_PROVIDER, get_litellm
from gmail_assistant.llm.errors import LlmConfigError
from gmail_assistant.settings import LlmSettings

__all__ = ["check_provider_keys"]

# The variable to name first when LiteLLM accepts several (gemini takes GOOGLE_API_KEY too).
_PREFERRED = {"gemini": "GEMINI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
# `context_model` is reserved (accepted, unused): a model nothing calls needs no key.
_SETTINGS = ("classify_model", "draft_model", "agent_model")
# The variables LiteLLM (1.110) reads for these providers' keys, as its validate_environment
# lists them; any one of them set is enough. A test holds this table to LiteLLM's answer.
KNOWN_PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "gemini": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "openai": ("OPENAI_API_KEY",),
}


def _provider(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else ""


def _problem(setting: str, model: str, api_base: str) -> str | None:
    provider = _provider(model)
    variable = f"GMA_LLM_{setting.upper()}"
    if provider == OFFLINE_PROVIDER:
        return None
    if api_base and provider == "openai":
        return None  # an OpenAI-compatible server of our own (fake, local); any key does
    if provider in KNOWN_PROVIDER_KEYS:
        keys = KNOWN_PROVIDER_KEYS[provider]
        if any(os.environ.get(key) for key in keys):
            return None
        return _missing(provider, list(keys), variable, model)
    litellm = get_litellm()
    try:
        litellm.get_llm_provider(model=model)
    except Exception:
        return (
            f"{variable}={model}: LiteLLM cannot tell this model's provider "
            "(write provider/model, e.g. gemini/gemini-2.0-flash)"
        )
    try:
        found = litellm.validate_environment(model=model)
    except Exception as exc:
        return f"{variable}={model}: cannot check its provider keys ({type(exc).__name__})"
    missing = [str(key) for key in found.get("missing_keys") or []]
    if found.get("keys_in_environment") or not missing:
        return None
    return _missing(provider, missing, variable, model)


def _missing(provider: str, missing: list[str], variable: str, model: str) -> str:
    preferred = _PREFERRED.get(provider)
    if preferred in missing:
        missing.remove(preferred)
        missing.insert(0, preferred)
    alternatives = f" (or {', '.join(missing[1:])})" if len(missing) > 1 else ""
    return f"{missing[0]}{alternatives}: not set, required by {variable}={model}"


def check_provider_keys(settings: LlmSettings, *, production: bool) -> list[str]:
    """Problems with the provider keys of the configured models.

    Returns them as warnings in development; raises `LlmConfigError` listing all of them in
    production.
    """
    problems: list[str] = []
    seen: set[str] = set()
    for setting in _SETTINGS:
        model = getattr(settings, setting)
        problem = _problem(setting, model, settings.api_base)
        key = problem.split(":", 1)[0] if problem else ""
        if problem and key not in seen:  # one message per missing variable
            seen.add(key)
            problems.append(problem)
    if problems and production:
        raise LlmConfigError("; ".join(problems))
    return problems
