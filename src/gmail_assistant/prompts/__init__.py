"""Versioned prompt templates and the helpers that keep email content inert inside them.

from gmail_assistant.prompts import load_prompt, wrap_email

prompt = load_prompt("classify").render(
    owner_email="me@example.com", owner_wrote_last="no", email=wrap_email(body=..., ...)
)
await gateway.complete(purpose="classify", system=prompt.system, user=prompt.user, ...)
"""

from gmail_assistant.prompts.loader import (
    PromptError,
    PromptTemplate,
    RenderedPrompt,
    available_prompts,
    load_prompt,
)
from gmail_assistant.prompts.untrusted import (
    DATA_TAG,
    DEFAULT_MAX_CHARS,
    INSTRUCTIONS_TAG,
    NO_INSTRUCTIONS,
    escape_untrusted,
    wrap_email,
    wrap_instructions,
)

__all__ = [
    "DATA_TAG",
    "DEFAULT_MAX_CHARS",
    "INSTRUCTIONS_TAG",
    "NO_INSTRUCTIONS",
    "PromptError",
    "PromptTemplate",
    "RenderedPrompt",
    "available_prompts",
    "escape_untrusted",
    "load_prompt",
    "wrap_email",
    "wrap_instructions",
]
