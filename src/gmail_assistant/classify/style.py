"""Which communication style a reply uses, and what each style means.

Resolution order: an exact sender override, a domain glob override (both from the owner's
`contacts` setting), the style the LLM proposed, then `business`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_STYLES", "Style", "resolve_style", "style_details"]

KNOWN = ("formal", "business", "informal")


@dataclass(frozen=True)
class Style:
    name: str
    rules: str
    sign_off: str
    examples: str


DEFAULT_STYLES: dict[str, Style] = {
    "formal": Style(
        "formal",
        "Polite and complete sentences, no slang, address the recipient formally.",
        "Kind regards",
        "(none given)",
    ),
    "business": Style(
        "business",
        "Friendly, concise and to the point; short paragraphs; clear next steps.",
        "Best regards",
        "(none given)",
    ),
    "informal": Style(
        "informal",
        "Warm and relaxed, first names, short sentences.",
        "Cheers",
        "(none given)",
    ),
}


def resolve_style(
    *, sender_email: str, contacts: Mapping[str, Any] | None, proposed: str | None
) -> tuple[str, str]:
    """(style, where it came from)."""
    contacts = contacts or {}
    sender = sender_email.strip().lower()
    overrides = contacts.get("style_overrides") or {}
    if isinstance(overrides, Mapping):
        for address, style in overrides.items():
            if str(address).strip().lower() == sender and style:
                return str(style), "sender override"
    domains = contacts.get("domain_overrides") or {}
    if isinstance(domains, Mapping):
        domain = sender.rsplit("@", 1)[-1]
        for pattern, style in domains.items():
            pattern = str(pattern).strip().lower()
            if style and (fnmatch.fnmatch(sender, pattern) or fnmatch.fnmatch(domain, pattern)):
                return str(style), "domain override"
    if proposed and proposed.strip().lower() in KNOWN:
        return proposed.strip().lower(), "model"
    return "business", "default"


def style_details(name: str, styles: Mapping[str, Any] | None) -> Style:
    """The owner's definition of a style (the `communication_styles` setting) or ours."""
    base = DEFAULT_STYLES.get(name, DEFAULT_STYLES["business"])
    custom = (styles or {}).get(name)
    if not isinstance(custom, Mapping):
        return Style(name, base.rules, base.sign_off, base.examples)
    rules = custom.get("rules", base.rules)
    if isinstance(rules, list):
        rules = "\n".join(f"- {r}" for r in rules)
    examples = custom.get("examples", base.examples)
    if isinstance(examples, list):
        examples = "\n---\n".join(str(e) for e in examples)
    return Style(
        name,
        str(rules),
        str(custom.get("sign_off", base.sign_off)),
        str(examples),
    )
