"""Load `templates/<name>.v<N>.md` and fill it with `string.Template` placeholders.

A template file holds two parts, each introduced by a line of its own:

    === system ===
    instructions for the model ($placeholders allowed)
    === user ===
    the data of this one call ($placeholders allowed)

`render` insists on exactly the template's placeholders: a missing or an unexpected value
is a bug in the caller and fails loudly instead of sending a half-filled prompt.
Values are inserted as they are; untrusted text must go through `wrap_email` first.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["PromptError", "PromptTemplate", "RenderedPrompt", "available_prompts", "load_prompt"]

_FILE_RE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.md$")
_PART_RE = re.compile(r"^=== (system|user) ===[ \t]*$", re.MULTILINE)


class PromptError(ValueError):
    """A template is missing, malformed, or rendered with the wrong values."""


@dataclass(frozen=True)
class RenderedPrompt:
    name: str
    version: int
    system: str
    user: str

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    @property
    def parts(self) -> tuple[str, str]:
        """(system, user) template text."""
        pieces = _PART_RE.split(self.text)
        # split() yields ["preamble", "system", body, "user", body]
        found = dict(zip(pieces[1::2], pieces[2::2], strict=True))
        if set(found) != {"system", "user"} or len(pieces) != 5:
            raise PromptError(f"{self.id}: needs one '=== system ===' and one '=== user ===' part")
        return found["system"].strip("\n"), found["user"].strip("\n")

    @property
    def variables(self) -> frozenset[str]:
        names: set[str] = set()
        for part in self.parts:
            names.update(string.Template(part).get_identifiers())
        return frozenset(names)

    def render(self, **values: object) -> RenderedPrompt:
        expected = self.variables
        missing = sorted(expected - values.keys())
        unexpected = sorted(values.keys() - expected)
        if missing or unexpected:
            raise PromptError(
                f"{self.id}: missing values {missing}, unexpected values {unexpected}"
            )
        text = {k: str(v) for k, v in values.items()}
        system, user = (string.Template(part).substitute(text) for part in self.parts)
        return RenderedPrompt(self.name, self.version, system, user)


def _files() -> dict[tuple[str, int], str]:
    folder = resources.files("gmail_assistant.prompts") / "templates"
    found: dict[tuple[str, int], str] = {}
    for entry in folder.iterdir():
        match = _FILE_RE.match(entry.name)
        if match:
            found[(match["name"], int(match["version"]))] = entry.read_text(encoding="utf-8")
    return found


@cache
def _all() -> dict[tuple[str, int], str]:
    return _files()


def available_prompts() -> dict[str, list[int]]:
    """Prompt name → versions on disk, ascending."""
    out: dict[str, list[int]] = {}
    for name, version in sorted(_all()):
        out.setdefault(name, []).append(version)
    return out


def load_prompt(name: str, version: int | None = None) -> PromptTemplate:
    """The given version of a prompt, or its newest one."""
    versions = available_prompts().get(name)
    if not versions:
        raise PromptError(f"no prompt named {name!r} (have: {', '.join(available_prompts())})")
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise PromptError(f"prompt {name!r} has no version {chosen} (have: {versions})")
    template = PromptTemplate(name, chosen, _all()[(name, chosen)])
    _ = template.parts  # validate the layout at load time, not at render time
    return template
