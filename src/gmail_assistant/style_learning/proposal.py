"""The learned traits written into the owner's settings (v2.3.0's shapes), and the diff.

What is learned is marked so that a later run replaces its own work and nothing else:

- rules the run wrote start with `(learned)`; the owner's other rules stay as they are;
- examples it wrote have a context starting with `(learned)`; the owner's stay;
- `sign_off_variants` gets one entry per language, keyed by the language code;
- `sign_off` and `description` are filled only when the owner's style has none;
- `contacts` only gains entries: an address or domain the owner already listed keeps the
  owner's choice.

Deleting a learned rule or example is enough to drop it (until the next `--apply`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from gmail_assistant.style_learning.model_pass import ModelAdvice
from gmail_assistant.style_learning.profile import GroupTraits, StyleProfile
from gmail_assistant.users.preferences import BUILT_IN, Preferences, validate_setting

__all__ = ["LEARNED", "Proposal", "propose", "render_diff"]

LEARNED = "(learned)"
_LANGUAGE_NAMES = {"cs": "Czech", "de": "German", "en": "English"}
_ADDRESS_RULES = {
    "vykání": "address the reader formally (vykání)",
    "tykání": "address the reader informally (tykání)",
    "Sie": "address the reader formally (Sie)",
    "du": "address the reader informally (du)",
}


@dataclass(frozen=True)
class Proposal:
    before: dict[str, Any]  # communication_styles and contacts as they are in effect now
    after: dict[str, Any]  # the same keys with what was learned
    changed: tuple[str, ...]  # the keys whose value differs

    @property
    def empty(self) -> bool:
        return not self.changed


def _length(words: int) -> str:
    size = "short" if words <= 60 else "medium-length" if words <= 150 else "detailed"
    return f"{LEARNED} Keep replies {size}: about {words} words of body (the owner's median)."


def _rules(group: GroupTraits, advice_rules: tuple[str, ...]) -> list[str]:
    rules = []
    for lang in group.languages:
        parts = []
        if lang.greeting:
            parts.append(f'open with "{lang.greeting}"')
        if lang.address and lang.address_share >= 0.6:
            parts.append(_ADDRESS_RULES[lang.address])
        if lang.sign_off:
            parts.append('close with "' + lang.sign_off.split("\n", 1)[0].rstrip(",") + '"')
        if parts:
            name = _LANGUAGE_NAMES.get(lang.language, lang.language)
            rules.append(f"{LEARNED} In {name}: " + ", ".join(parts) + ".")
    rules.append(_length(group.median_words))
    if group.phrases:
        quoted = ", ".join(f'"{p}"' for p in group.phrases)
        rules.append(f"{LEARNED} Phrases the owner often uses: {quoted}.")
    rules += [f"{LEARNED} {rule}" for rule in advice_rules]
    return rules


def _style(current: dict[str, Any], group: GroupTraits, advice: ModelAdvice) -> dict[str, Any]:
    own = dict(current)
    hint = advice.groups.get(group.name)
    style = {
        "description": own.get("description")
        or (hint.description if hint and hint.description else "")
        or BUILT_IN[group.name].description,
        "language": own.get("language", "auto"),
        "rules": [r for r in own.get("rules", []) if not str(r).startswith(LEARNED)]
        + _rules(group, hint.rules if hint else ()),
    }
    main = next((lang.sign_off for lang in group.languages if lang.sign_off), None)
    sign_off = own.get("sign_off") or main or ""
    if sign_off:
        style["sign_off"] = sign_off
    variants = {
        k: v for k, v in own.get("sign_off_variants", {}).items() if k not in _LANGUAGE_NAMES
    }
    variants |= {lang.language: lang.sign_off for lang in group.languages if lang.sign_off}
    if variants:
        style["sign_off_variants"] = variants
    examples = [
        e for e in own.get("examples", []) if not str(e.get("context", "")).startswith(LEARNED)
    ]
    examples += [
        {
            "context": f"{LEARNED} a sentence from a {_LANGUAGE_NAMES.get(lang, lang)} reply",
            "draft": sentence,
        }
        for lang, sentence in group.examples
    ]
    if examples:
        style["examples"] = examples
    # The owner's own notes (extra keys) stay.
    known = {"description", "language", "rules", "sign_off", "sign_off_variants", "examples"}
    style |= {k: v for k, v in own.items() if k not in known}
    return style


def _stored(key: str, value: Any) -> dict[str, Any]:
    return dict(validate_setting(key, value))


def propose(settings: dict[str, Any], profile: StyleProfile, advice: ModelAdvice) -> Proposal:
    """`settings`: the settings in effect (the user's rows over the config files)."""
    preferences = Preferences.from_settings(settings, where="learn-style")
    styles_now = preferences.communication_styles.model_dump(mode="json", exclude_defaults=False)
    contacts_now = preferences.contacts.model_dump(mode="json")
    before = {
        "communication_styles": _stored("communication_styles", styles_now),
        "contacts": _stored("contacts", contacts_now),
    }
    styles = dict(before["communication_styles"]["styles"])
    for group in profile.groups:
        # A style the owner never defined starts from the built-in one (minus its generic
        # sign-off, which the learned one replaces).
        built_in = BUILT_IN[group.name]
        base = {"rules": list(built_in.rules)}
        styles[group.name] = _style(styles.get(group.name, base), group, advice)
    communication_styles = {"default": before["communication_styles"]["default"], "styles": styles}
    contacts = {k: (dict(v) if isinstance(v, dict) else v) for k, v in contacts_now.items()}
    for found in profile.contacts:
        table = contacts["style_overrides" if found.kind == "sender" else "domain_overrides"]
        table.setdefault(found.key, found.style)
    after = {
        "communication_styles": _stored("communication_styles", communication_styles),
        "contacts": _stored("contacts", contacts),
    }
    changed = tuple(k for k in after if after[k] != before[k])
    return Proposal(before=before, after=after, changed=changed)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (sign-offs) as YAML block literals, as the owner would write them."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _yaml(value: Any) -> list[str]:
    text = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return text.splitlines(keepends=True)


def render_diff(proposal: Proposal) -> str:
    """A unified diff per setting, as YAML (the shape of the config files)."""
    if proposal.empty:
        return "no changes: the settings already hold what was learned\n"
    chunks: list[str] = []
    for key in proposal.changed:
        chunks.extend(
            difflib.unified_diff(
                _yaml(proposal.before[key]),
                _yaml(proposal.after[key]),
                fromfile=f"{key} (now)",
                tofile=f"{key} (learned)",
            )
        )
    return "".join(chunks)
