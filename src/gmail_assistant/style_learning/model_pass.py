"""The one LLM pass: from the statistics and a few excerpts, a description and tone rules
per contact group.

The statistics and excerpts come from mail, so both go into the prompt only inside
`<email_data>` blocks (escaped, bounded), as classify does. The answer is data to check:
only the groups asked about, at most four rules of at most 200 characters each, plain text.
A failed call or an unusable answer leaves the deterministic traits alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from gmail_assistant.llm.errors import LlmError
from gmail_assistant.llm.jsonparse import extract_json_object
from gmail_assistant.llm.port import LlmApi
from gmail_assistant.llm.records import CallContext
from gmail_assistant.prompts import load_prompt
from gmail_assistant.prompts.untrusted import wrap_email
from gmail_assistant.style_learning.profile import StyleProfile
from gmail_assistant.style_learning.sample import SentReply

__all__ = ["GroupAdvice", "ModelAdvice", "StyleModelPass", "describe_profile"]

log = logging.getLogger(__name__)

MAX_RULES = 4
MAX_RULE_CHARS = 200
MAX_DESCRIPTION_CHARS = 200
EXCERPTS_PER_GROUP = 4
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class GroupAdvice:
    description: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class ModelAdvice:
    groups: dict[str, GroupAdvice]
    error: str | None = None


def describe_profile(profile: StyleProfile) -> str:
    """The statistics as the prompt (and `learn-style`'s output) shows them."""
    lines = [
        f"{profile.replies} replies; languages: "
        + ", ".join(f"{lang} {n}" for lang, n in profile.languages.items())
    ]
    for group in profile.groups:
        lines.append(f'Group "{group.name}": {group.replies} replies')
        lines.append(f"- median length: {group.median_words} words")
        for lang in group.languages:
            parts = [f"{lang.replies} replies"]
            if lang.greeting:
                parts.append(f'greeting "{lang.greeting}"')
            if lang.sign_off:
                parts.append('sign-off "' + lang.sign_off.replace("\n", " / ") + '"')
            if lang.address:
                parts.append(f"address: {lang.address} ({lang.address_share:.0%})")
            lines.append(f"- {lang.language}: " + "; ".join(parts))
        if group.phrases:
            lines.append("- phrases: " + ", ".join(f'"{p}"' for p in group.phrases))
    return "\n".join(lines)


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str) else ""


def interpret(data: dict[str, Any], groups: set[str]) -> dict[str, GroupAdvice]:
    styles = data.get("styles")
    if not isinstance(styles, dict):
        return {}
    found: dict[str, GroupAdvice] = {}
    for name, advice in styles.items():
        if name not in groups or not isinstance(advice, dict):
            continue
        rules = advice.get("rules")
        cleaned = [_text(r, MAX_RULE_CHARS) for r in rules] if isinstance(rules, list) else []
        found[name] = GroupAdvice(
            description=_text(advice.get("description"), MAX_DESCRIPTION_CHARS),
            rules=tuple(r for r in cleaned if r)[:MAX_RULES],
        )
    return found


class StyleModelPass:
    def __init__(self, *, llm: LlmApi, model: str) -> None:
        self.llm = llm
        self.model = model
        self.prompt = load_prompt("learn_style")

    async def advise(
        self,
        profile: StyleProfile,
        replies: list[SentReply],
        *,
        owner_email: str,
        context: CallContext | None = None,
    ) -> ModelAdvice:
        if not profile.groups:
            return ModelAdvice(groups={})
        excerpts = []
        for group in profile.groups:
            chosen = [r for r in replies if r.traits.register == group.name][:EXCERPTS_PER_GROUP]
            for reply in chosen:
                excerpts.append(
                    wrap_email(
                        body=reply.traits.body[:EXCERPT_CHARS],
                        subject=f"{group.name} ({reply.traits.language})",
                        max_chars=EXCERPT_CHARS,
                    )
                )
        rendered = self.prompt.render(
            owner_email=owner_email,
            statistics=wrap_email(body=describe_profile(profile), max_chars=6000),
            excerpts="\n".join(excerpts) or "(none)",
        )
        try:
            result = await self.llm.complete(
                purpose="learn_style",
                model=self.model,
                system=rendered.system,
                user=rendered.user,
                json_mode=True,
                max_tokens=1200,
                temperature=0.0,
                context=context,
            )
            data = extract_json_object(result.text)
        except LlmError as exc:
            log.warning("style model pass failed: %s", type(exc).__name__)
            return ModelAdvice(groups={}, error=f"{type(exc).__name__}: {str(exc)[:200]}")
        return ModelAdvice(groups=interpret(data, {g.name for g in profile.groups}))
