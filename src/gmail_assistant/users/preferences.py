"""The owner's preferences: one frozen model read from the `user_settings` rows.

Four settings keys, each with one canonical shape (v2.3.0's, so a rollback still reads them):

- `communication_styles`: `{default: name, styles: {name: StyleDefinition}}`. This project's
  earlier shape, `{name: {...}}` with no `styles:` level, is read as the same thing.
- `contacts`: `style_overrides` {sender → style}, `domain_overrides` {glob → style},
  `language_overrides` {sender or glob → language}, `blacklist` [globs].
- `sign_off_name`: the owner's name under a reply.
- `default_language`: the reply language when the sender's cannot be told.

Values from the API are checked strictly (`validate_setting`). Rows already stored and the
YAML fallback files are read leniently (`Preferences.from_settings`): an unknown key or a bad
value is left out with one warning naming it, and never stops a job.
"""

from __future__ import annotations

import fnmatch
import logging
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

__all__ = [
    "KNOWN_SETTINGS",
    "STYLE_PROPOSAL",
    "CommunicationStyles",
    "Contacts",
    "Preferences",
    "StyleDefinition",
    "StyleExample",
    "describe_error",
    "validate_setting",
    "warn_once",
    "without_unknown_keys",
]

log = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AUTO = "auto"


def check_text(value: str) -> str:
    """Text any database column can store: no NUL bytes, no unpaired surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _email(value: str) -> str:
    value = check_text(value).strip().lower()
    if len(value) > 320 or not EMAIL_RE.match(value):
        raise ValueError("must be an email address")
    return value


def _language(value: str) -> str:
    value = check_text(value).strip().lower()
    if value != AUTO and not (value.isalpha() and 2 <= len(value) <= 3):
        raise ValueError("must be an ISO 639-1 code such as cs, en, de (or 'auto')")
    return value


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _as_examples(value: Any) -> Any:
    return [value] if isinstance(value, str | Mapping) else value


def _free_form(value: Any) -> Any:
    """Every string inside free-form extra fields must be storable text too."""
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(str(key))
            _free_form(item)
    elif isinstance(value, list):
        for item in value:
            _free_form(item)
    return value


Text = Annotated[str, AfterValidator(check_text), StringConstraints(max_length=20_000)]
StyleName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[\w-]{1,50}$"),
    AfterValidator(check_text),
]
Glob = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=320, pattern=r"^\S+$"
    ),
    AfterValidator(check_text),
]
EmailKey = Annotated[str, AfterValidator(_email)]
Language = Annotated[str, AfterValidator(_language)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StyleExample(_Frozen):
    """One example reply; a bare string is the reply text alone."""

    context: Text = ""
    input: Text = ""
    draft: Text = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"draft": value} if isinstance(value, str) else value


class StyleDefinition(BaseModel):
    """A style as the owner wrote it; extra keys are the owner's notes and reach the prompt."""

    model_config = ConfigDict(frozen=True, extra="allow")

    description: Text = ""
    language: Language = AUTO
    rules: Annotated[tuple[Text, ...], BeforeValidator(_as_list)] = ()
    sign_off: Text = ""
    sign_off_variants: dict[Annotated[str, AfterValidator(check_text)], Text] = Field(
        default_factory=dict
    )
    examples: Annotated[tuple[StyleExample, ...], BeforeValidator(_as_examples)] = ()

    @model_validator(mode="after")
    def _extras_are_text(self) -> StyleDefinition:
        _free_form(self.model_extra or {})
        return self

    @property
    def notes(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class CommunicationStyles(_Frozen):
    default: StyleName = "business"
    styles: dict[StyleName, StyleDefinition] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _earlier_shape(cls, value: Any) -> Any:
        """`{name: {...}}` (no `styles:` level) is the same setting in the earlier shape."""
        if isinstance(value, Mapping) and not isinstance(value.get("styles"), Mapping):
            styles = {k: v for k, v in value.items() if k != "default"}
            default = value.get("default")
            return {"styles": styles} | ({"default": default} if default is not None else {})
        return value

    @model_validator(mode="after")
    def _default_is_defined(self) -> CommunicationStyles:
        if self.styles and self.default not in self.styles and self.default not in BUILT_IN:
            raise ValueError(f"default style {self.default!r} is not one of the styles")
        return self


class Contacts(_Frozen):
    style_overrides: dict[EmailKey, StyleName] = Field(default_factory=dict)
    domain_overrides: dict[Glob, StyleName] = Field(default_factory=dict)
    language_overrides: dict[Glob, Language] = Field(default_factory=dict)
    blacklist: tuple[Glob, ...] = ()


# The styles every owner has unless they define their own of the same name.
BUILT_IN: dict[str, StyleDefinition] = {
    "formal": StyleDefinition(
        description="Institutions, authorities, people the owner does not know",
        rules=("Polite and complete sentences, no slang, address the recipient formally.",),
        sign_off="Kind regards",
    ),
    "business": StyleDefinition(
        description="Clients, partners, suppliers, colleagues",
        rules=("Friendly, concise and to the point; short paragraphs; clear next steps.",),
        sign_off="Best regards",
    ),
    "informal": StyleDefinition(
        description="Friends and family",
        rules=("Warm and relaxed, first names, short sentences.",),
        sign_off="Cheers",
    ),
}

_MODELS: dict[str, Any] = {
    "communication_styles": CommunicationStyles,
    "contacts": Contacts,
}
_SCALARS: dict[str, Any] = {
    "sign_off_name": Annotated[str, AfterValidator(check_text), StringConstraints(max_length=200)],
    "default_language": Language,
}
KNOWN_SETTINGS = ("communication_styles", "contacts", "default_language", "sign_off_name")
# A row the assistant keeps for the owner to read, not a preference: the monthly style
# learning's proposal (style_learning/service.py). Preferences skip it without a warning.
STYLE_PROPOSAL = "style_proposal"


def validate_setting(key: str, value: Any) -> Any:
    """The value as stored (JSON, v2.3.0's shape); `KeyError` for an unknown key,
    pydantic's `ValidationError` for a bad value."""
    from pydantic import TypeAdapter

    if key in _MODELS:
        return _MODELS[key].model_validate(value).model_dump(mode="json")
    return TypeAdapter(_SCALARS[key]).validate_python(value)


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """One warning per distinct message per process (rows are read on every job)."""
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def without_unknown_keys(key: str, value: Any, where: str) -> Any:
    """`value` minus the keys its model does not know, each named in one warning."""
    model = _MODELS.get(key)
    if model is None or not isinstance(value, Mapping):
        return value
    known = set(model.model_fields)
    if model is CommunicationStyles and not isinstance(value.get("styles"), Mapping):
        known = set(value)  # the earlier shape: every key is a style name
    for extra in sorted(set(value) - known, key=str):
        warn_once(f"{where}: unknown key {key}.{extra} ignored")
    return {k: v for k, v in value.items() if k in known}


def describe_error(key: str, exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in (key, *error['loc']))}: {error['msg']}"


def _lenient(key: str, value: Any, where: str) -> Any:
    """One setting as stored, or None (with a warning) when its value is unusable."""
    try:
        return validate_setting(key, without_unknown_keys(key, value, where))
    except ValidationError as exc:
        warn_once(f"{where}: setting {describe_error(key, exc)} (setting ignored)")
        return None


class Preferences(_Frozen):
    communication_styles: CommunicationStyles = CommunicationStyles()
    contacts: Contacts = Contacts()
    sign_off_name: str = ""
    default_language: str | None = None

    @classmethod
    def from_settings(
        cls, rows: Mapping[str, Any] | None, *, where: str = "settings"
    ) -> Preferences:
        values: dict[str, Any] = {}
        for key, value in (rows or {}).items():
            if key == STYLE_PROPOSAL:
                continue
            if key not in KNOWN_SETTINGS:
                warn_once(f"{where}: unknown setting {key!r} ignored")
                continue
            parsed = _lenient(key, value, where)
            if parsed is not None:
                values[key] = parsed
        return cls.model_validate(values)

    # -- what the flows ask -------------------------------------------------------------

    @property
    def styles(self) -> dict[str, StyleDefinition]:
        """Every style the owner can get: the built-in ones, then the owner's own."""
        return {**BUILT_IN, **self.communication_styles.styles}

    @property
    def default_style(self) -> str:
        default = self.communication_styles.default
        return default if default in self.styles else "business"

    def style_for(self, sender_email: str, proposed: str | None) -> tuple[str, str]:
        """(style, where it came from): sender override, domain glob, model, default."""
        sender = sender_email.strip().lower()
        known = self.styles
        exact = self.contacts.style_overrides.get(sender)
        if exact in known:
            return exact, "sender override"
        domain = sender.rsplit("@", 1)[-1]
        for pattern, style in self.contacts.domain_overrides.items():
            if style in known and (
                fnmatch.fnmatch(sender, pattern) or fnmatch.fnmatch(domain, pattern)
            ):
                return style, "domain override"
        name = (proposed or "").strip().lower()
        if name in known:
            return name, "model"
        return self.default_style, "default"

    def language_for(self, sender_email: str, detected: str | None, style: str) -> str:
        """Sender override, the detected language, the style's, the owner's default, `en`."""
        sender = sender_email.strip().lower()
        for pattern, language in self.contacts.language_overrides.items():
            if language != AUTO and (sender == pattern or fnmatch.fnmatch(sender, pattern)):
                return language
        if detected:
            return detected
        style_language = self.styles.get(style, BUILT_IN["business"]).language
        if style_language != AUTO:
            return style_language
        if self.default_language and self.default_language != AUTO:
            return self.default_language
        return "en"

    def blacklisted(self, sender_email: str) -> str | None:
        sender = sender_email.strip().lower()
        return next((p for p in self.contacts.blacklist if fnmatch.fnmatch(sender, p)), None)
