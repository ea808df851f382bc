"""The one place that imports LiteLLM.

LiteLLM fetches its price table from the network at import unless
`LITELLM_LOCAL_MODEL_COST_MAP` is set first, and the import itself costs seconds and
~200 MB, so it happens once, lazily, here. Importing it also registers our offline
provider and our own prices for models missing from LiteLLM's bundled table.
Other modules call `get_litellm()`; none writes `import litellm`.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType
from typing import Any

__all__ = ["OFFLINE_PROVIDER", "PRICES", "get_litellm", "litellm_if_loaded"]

OFFLINE_PROVIDER = "offline"

# USD per token; Google's published list prices for models LiteLLM 1.110 does not carry.
PRICES: dict[str, dict[str, Any]] = {
    "gemini/gemini-2.0-flash": {
        "input_cost_per_token": 0.10 / 1_000_000,
        "output_cost_per_token": 0.40 / 1_000_000,
        "cache_read_input_token_cost": 0.025 / 1_000_000,
        "cache_creation_input_token_cost": 0.10 / 1_000_000,
        "litellm_provider": "gemini",
        "mode": "chat",
        "max_input_tokens": 1_048_576,
        "max_output_tokens": 8_192,
        "supports_response_schema": True,
    },
    "gemini/gemini-2.0-flash-lite": {
        "input_cost_per_token": 0.075 / 1_000_000,
        "output_cost_per_token": 0.30 / 1_000_000,
        "cache_read_input_token_cost": 0.01875 / 1_000_000,
        "cache_creation_input_token_cost": 0.075 / 1_000_000,
        "litellm_provider": "gemini",
        "mode": "chat",
        "max_input_tokens": 1_048_576,
        "max_output_tokens": 8_192,
        "supports_response_schema": True,
    },
}

_lock = threading.Lock()
_module: ModuleType | None = None


def get_litellm() -> ModuleType:
    """Import and configure LiteLLM once; later calls return the same module."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            litellm.suppress_debug_info = True  # no "Provider List" banners on stdout
            litellm.telemetry = False
            missing = {name: p for name, p in PRICES.items() if name not in litellm.model_cost}
            if missing:
                litellm.register_model(missing)
            _register_offline(litellm)
            _module = litellm
    return _module


def litellm_if_loaded() -> ModuleType | None:
    """The configured module if `get_litellm` has already run; never imports."""
    return _module


def _register_offline(litellm: Any) -> None:
    from gmail_assistant.llm.offline import build_offline_provider

    entries = [e for e in litellm.custom_provider_map if e.get("provider") != OFFLINE_PROVIDER]
    entries.append(
        {"provider": OFFLINE_PROVIDER, "custom_handler": build_offline_provider(litellm)}
    )
    litellm.custom_provider_map = entries
