"""Parameter types shared by the routes: bounded ids, page sizes and clean text.

Bounds keep bad input a 422: an id past the 32-bit range, a NUL byte or a lone surrogate
would otherwise reach the database driver and come back as a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator, Field

from gmail_assistant.users.preferences import check_text

__all__ = [
    "MAX_ID",
    "Limit",
    "Offset",
    "OptionalText",
    "RowId",
    "UserIdQuery",
    "check_optional_text",
    "check_text",
]

MAX_ID = 2**31 - 1
MAX_OFFSET = 1_000_000


def check_optional_text(value: str | None) -> str | None:
    return None if value is None else check_text(value)


def _blank_is_none(value: object) -> object:
    """An HTML form sends an unselected filter as `user_id=`: that means no filter."""
    return None if isinstance(value, str) and not value.strip() else value


RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row id.")]
UserIdQuery = Annotated[
    Annotated[int, Field(ge=1, le=MAX_ID)] | None, BeforeValidator(_blank_is_none), Query()
]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1–200).")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
OptionalText = Annotated[str | None, Query(max_length=200), AfterValidator(check_optional_text)]
