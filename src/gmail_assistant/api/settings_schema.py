"""The per-user settings the API accepts, each validated by its own model.

`communication_styles`: style name → {rules, sign_off, examples, …extra notes}.
`contacts`: `style_overrides` {sender email → style}, `domain_overrides` {glob → style},
`blacklist` [globs of senders never to draft for]. Any other key is refused.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from gmail_assistant.api.params import check_text

__all__ = ["KNOWN_SETTINGS", "CommunicationStyle", "Contacts", "validate_setting"]

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Text = Annotated[str, AfterValidator(check_text), StringConstraints(max_length=20_000)]
StyleName = Annotated[str, StringConstraints(pattern=r"^[\w-]{1,50}$"), AfterValidator(check_text)]
Glob = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=320, pattern=r"^\S+$"),
    AfterValidator(check_text),
]


def _email(value: str) -> str:
    value = check_text(value).strip().lower()
    if len(value) > 320 or not EMAIL_RE.match(value):
        raise ValueError("must be an email address")
    return value


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _json_text(value: Any) -> Any:
    """Every string inside free-form extra fields must be storable text too."""
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(str(key))
            _json_text(item)
    elif isinstance(value, list):
        for item in value:
            _json_text(item)
    return value


EmailKey = Annotated[str, AfterValidator(_email)]


class CommunicationStyle(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    rules: Annotated[list[Text], BeforeValidator(_as_list)] = Field(default_factory=list)
    sign_off: Text = ""
    examples: Annotated[list[Text], BeforeValidator(_as_list)] = Field(default_factory=list)
    language: Text | None = None

    @model_validator(mode="after")
    def _extras_are_text(self) -> CommunicationStyle:
        _json_text(self.model_extra or {})
        return self


class Contacts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    style_overrides: dict[EmailKey, StyleName] = Field(default_factory=dict)
    domain_overrides: dict[Glob, StyleName] = Field(default_factory=dict)
    blacklist: list[Glob] = Field(default_factory=list)


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "communication_styles": TypeAdapter(dict[StyleName, CommunicationStyle]),
    "contacts": TypeAdapter(Contacts),
}
KNOWN_SETTINGS = tuple(sorted(_ADAPTERS))


def validate_setting(key: str, value: Any) -> Any:
    """The value as stored (JSON-ready); `KeyError` for unknown keys, pydantic's
    `ValidationError` for bad values."""
    adapter = _ADAPTERS[key]
    parsed = adapter.validate_python(value)
    return adapter.dump_python(parsed, mode="json")
