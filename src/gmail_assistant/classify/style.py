"""Which communication style a reply uses, and what the prompts say about each style.

Resolution order: an exact sender override, a domain glob override (both from the owner's
`contacts` setting), the style the LLM proposed (any of the owner's style names, custom ones
included), then the owner's `default:` style (`business` unless set). The owner's settings
are read once into `Preferences` (users/preferences.py); this module only turns them into
prompt text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gmail_assistant.users.preferences import BUILT_IN, Preferences, StyleDefinition

__all__ = ["Style", "resolve_style", "style_details", "style_menu"]

NO_EXAMPLES = "(none given)"


@dataclass(frozen=True)
class Style:
    """One style as the draft prompt shows it."""

    name: str
    rules: str
    sign_off: str
    examples: str


def _preferences(settings: Mapping[str, Any] | Preferences | None) -> Preferences:
    if isinstance(settings, Preferences):
        return settings
    return Preferences.from_settings(settings)


def resolve_style(
    *, sender_email: str, preferences: Preferences, proposed: str | None
) -> tuple[str, str]:
    """(style, where it came from)."""
    return preferences.style_for(sender_email, proposed)


def _rules(definition: StyleDefinition) -> str:
    lines = [f"Use it for: {definition.description}"] if definition.description else []
    lines += [f"- {rule}" for rule in definition.rules]
    if definition.language != "auto":
        lines.append(
            f"- Preferred language: {definition.language} "
            "(used unless the sender writes in another language)"
        )
    lines += [f"- {key}: {value}" for key, value in definition.notes.items()]
    return "\n".join(lines) or "(no particular rules)"


def _sign_off(name: str, definition: StyleDefinition, owner_name: str) -> str:
    sign_off = definition.sign_off
    if not sign_off:
        base = BUILT_IN.get(name, BUILT_IN["business"]).sign_off
        sign_off = f"{base},\n{owner_name}" if owner_name else base
    if definition.sign_off_variants:
        variants = "; ".join(f"{k}: {v}" for k, v in definition.sign_off_variants.items())
        sign_off += f"\n(other sign-offs the owner uses in this style, where they fit: {variants})"
    if owner_name:
        sign_off += f"\n(the owner's name: {owner_name})"
    return sign_off


def _examples(definition: StyleDefinition) -> str:
    blocks = []
    for example in definition.examples:
        parts = [f"Situation: {example.context}"] if example.context else []
        parts += [f"They wrote: {example.input}"] if example.input else []
        parts.append(f"The owner replied:\n{example.draft}")
        blocks.append("\n".join(parts))
    return "\n---\n".join(blocks) or NO_EXAMPLES


def style_details(name: str, settings: Mapping[str, Any] | Preferences | None) -> Style:
    """The style `name` as the draft prompt shows it.

    `settings` is the owner's settings rows (or their `Preferences`): the style's rules,
    examples and sign-off come from `communication_styles`, the name under the reply from
    `sign_off_name`. An unknown name falls back to the owner's default style's text.
    """
    preferences = _preferences(settings)
    styles = preferences.styles
    definition = styles.get(name) or styles[preferences.default_style]
    return Style(
        name=name,
        rules=_rules(definition),
        sign_off=_sign_off(name, definition, preferences.sign_off_name),
        examples=_examples(definition),
    )


def style_menu(preferences: Preferences) -> str:
    """The classifier prompt's list of styles to choose from: name and what it is for."""
    lines = []
    for name, definition in preferences.styles.items():
        description = definition.description or "(no description)"
        lines.append(f'- "{name}": {description}')
    return "\n".join(lines)
