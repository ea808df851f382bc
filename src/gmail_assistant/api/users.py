"""Users, their settings and their Gmail label ids."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from gmail_assistant.api.settings_schema import EMAIL_RE, KNOWN_SETTINGS, validate_setting
from gmail_assistant.labels import AI_LABEL_KEYS, LABEL_NAMES
from gmail_assistant.users import UserExists, UserRecord
from gmail_assistant.web.deps import UsersDep
from gmail_assistant.web.params import RowId, check_optional_text, check_text

__all__ = ["router"]

router = APIRouter(tags=["users"])


def _email(value: str) -> str:
    value = check_text(value).strip().lower()
    if not EMAIL_RE.match(value):
        raise ValueError("not a valid email address")
    return value


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str | None
    is_active: bool
    onboarded_at: datetime | None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(max_length=320), AfterValidator(_email)]
    display_name: Annotated[
        str | None, Field(max_length=200), AfterValidator(check_optional_text)
    ] = None


class LabelOut(BaseModel):
    key: str
    name: str
    gmail_label_id: str | None


class SettingOut(BaseModel):
    key: str
    value: Any


async def _require_user(users: UsersDep, user_id: int) -> UserRecord:
    user = await users.get(user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found")
    return user


@router.get("/users", response_model=list[UserOut])
async def list_users(users: UsersDep) -> list[UserRecord]:
    return await users.list()


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, users: UsersDep) -> UserRecord:
    try:
        return await users.create(body.email, body.display_name)
    except UserExists:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"a user with email {body.email} already exists"
        ) from None


@router.get("/users/{user_id}/settings")
async def get_settings(user_id: RowId, users: UsersDep) -> dict[str, Any]:
    await _require_user(users, user_id)
    return await users.stored_settings(user_id)


@router.put("/users/{user_id}/settings/{key}", response_model=SettingOut)
async def put_setting(
    user_id: RowId,
    key: Annotated[str, Path(max_length=100)],
    users: UsersDep,
    value: Annotated[Any, Body()],
) -> SettingOut:
    await _require_user(users, user_id)
    if key not in KNOWN_SETTINGS:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"unknown setting {key!r}; known: {', '.join(KNOWN_SETTINGS)}",
        )
    try:
        stored = validate_setting(key, value)
    except ValidationError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            exc.errors(include_url=False, include_context=False, include_input=False),
        ) from None
    await users.set_setting(user_id, key, stored)
    return SettingOut(key=key, value=stored)


# `GET /users/{user_id}/labels` answers v2.3.0's mapping (api/compat_v2.py); this is the
# detailed list: every AI label, its name, and its Gmail id (null until onboarding made it).
@router.get("/users/{user_id}/labels/details", response_model=list[LabelOut])
async def get_labels(user_id: RowId, users: UsersDep) -> list[LabelOut]:
    await _require_user(users, user_id)
    labels = await users.labels(user_id)
    return [
        LabelOut(key=key, name=LABEL_NAMES[key], gmail_label_id=labels.get(key))
        for key in AI_LABEL_KEYS
    ]
