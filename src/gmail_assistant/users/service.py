"""Reading and writing users, their labels and settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from gmail_assistant.db import Database, utcnow
from gmail_assistant.db.models import User, UserLabel, UserSetting
from gmail_assistant.labels import LABEL_NAMES, LabelMap

__all__ = ["UserExists", "UserRecord", "UserService"]


class UserExists(Exception):
    pass


@dataclass(frozen=True)
class UserRecord:
    id: int
    email: str
    display_name: str | None
    is_active: bool
    onboarded_at: datetime | None

    @classmethod
    def of(cls, row: User) -> UserRecord:
        return cls(row.id, row.email, row.display_name, row.is_active, row.onboarded_at)


class UserService:
    def __init__(self, *, database: Database, fallback: Mapping[str, Any] | None = None) -> None:
        """`fallback`: settings every user has until they store their own (the config
        files `contacts.yml` and `communication_styles.yml`, as v2.3.0 reads them)."""
        self.db = database
        self.fallback = dict(fallback or {})

    async def get(self, user_id: int) -> UserRecord | None:
        row = await self.db.run_read(lambda session: session.get(User, user_id))
        return UserRecord.of(row) if row else None

    async def get_by_email(self, email: str) -> UserRecord | None:
        query = select(User).where(User.email == email.strip().lower())
        row = await self.db.run_read(lambda session: session.scalars(query).one_or_none())
        return UserRecord.of(row) if row else None

    async def list(
        self, *, active_only: bool = False, onboarded_only: bool = False
    ) -> list[UserRecord]:
        """`onboarded_only`: leave out a user whose onboarding has not finished (the
        periodic syncs and watch renewals must not race it for the history cursor)."""
        query = select(User).order_by(User.id)
        if active_only:
            query = query.where(User.is_active.is_(True))
        if onboarded_only:
            query = query.where(User.onboarded_at.is_not(None))
        rows = await self.db.run_read(lambda session: list(session.scalars(query)))
        return [UserRecord.of(r) for r in rows]

    async def create(self, email: str, display_name: str | None = None) -> UserRecord:
        try:
            async with self.db.transaction() as session:
                row = User(email=email.strip().lower(), display_name=display_name)
                session.add(row)
                await session.flush()
                return UserRecord.of(row)
        except IntegrityError as exc:
            raise UserExists(email) from exc

    async def ensure(self, email: str, display_name: str | None = None) -> UserRecord:
        existing = await self.get_by_email(email)
        if existing is not None:
            return existing
        try:
            return await self.create(email, display_name)
        except UserExists:
            found = await self.get_by_email(email)
            assert found is not None
            return found

    async def mark_onboarded(self, user_id: int) -> None:
        async with self.db.transaction() as session:
            row = await session.get(User, user_id)
            if row is not None:
                row.onboarded_at = utcnow()

    async def labels(self, user_id: int) -> LabelMap:
        query = select(UserLabel.label_key, UserLabel.gmail_label_id).where(
            UserLabel.user_id == user_id
        )
        rows = await self.db.run_read(lambda session: session.execute(query).all())
        return LabelMap.of({key: label_id for key, label_id in rows})

    async def save_labels(self, user_id: int, ids_by_key: dict[str, str]) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(UserLabel).where(UserLabel.user_id == user_id))
            for key, label_id in ids_by_key.items():
                session.add(
                    UserLabel(
                        user_id=user_id,
                        label_key=key,
                        gmail_label_id=label_id,
                        gmail_label_name=LABEL_NAMES.get(key, key),
                    )
                )

    async def stored_settings(self, user_id: int) -> dict[str, Any]:
        """The user's own `user_settings` rows, as stored."""
        query = select(UserSetting.key, UserSetting.value).where(UserSetting.user_id == user_id)
        rows = await self.db.run_read(lambda session: session.execute(query).all())
        return {key: value for key, value in rows}

    async def settings(self, user_id: int) -> dict[str, Any]:
        """The settings in effect: the user's rows over the config files' fallback."""
        return {**self.fallback, **await self.stored_settings(user_id)}

    async def set_setting(self, user_id: int, key: str, value: Any) -> None:
        async with self.db.transaction() as session:
            row = (
                await session.execute(
                    select(UserSetting).where(
                        UserSetting.user_id == user_id, UserSetting.key == key
                    )
                )
            ).scalar_one_or_none()
            if row is None:
                session.add(UserSetting(user_id=user_id, key=key, value=value))
            else:
                row.value = value

    async def delete_setting(self, user_id: int, key: str) -> bool:
        """Remove one of the user's rows; False when there was none."""
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(UserSetting).where(UserSetting.user_id == user_id, UserSetting.key == key)
            )
        return bool(getattr(result, "rowcount", 0))
