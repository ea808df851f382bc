"""Onboarding a mailbox: user row, the nine labels, config import, history seed, watch.

Every step first looks at what is there and only writes what differs, so running it again
changes nothing (same label ids, same settings rows, same history cursor, same onboarded_at).
The config files are read and checked before anything is written: a malformed file stops
onboarding with a clear error and leaves the database as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gmail_assistant.db import Database
from gmail_assistant.db.models import SyncState, UserSetting
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant.onboarding.config_files import read_config_files
from gmail_assistant.users import UserService
from gmail_assistant.watch.service import WatchService

__all__ = ["Onboarding", "OnboardingResult"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnboardingResult:
    user_id: int
    email: str
    labels: dict[str, str]  # label key → Gmail label id
    labels_created: list[str] = field(default_factory=list)  # names created this run
    settings_imported: list[str] = field(default_factory=list)  # user_settings keys written
    history_id: str | None = None
    history_seeded: bool = False
    watch_expiration: datetime | None = None
    already_onboarded: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.labels_created
            or self.settings_imported
            or self.history_seeded
            or not self.already_onboarded
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "email": self.email,
            "labels": self.labels,
            "labels_created": self.labels_created,
            "settings_imported": self.settings_imported,
            "history_id": self.history_id,
            "history_seeded": self.history_seeded,
            "watch_expiration": self.watch_expiration.isoformat()
            if self.watch_expiration
            else None,
            "already_onboarded": self.already_onboarded,
            "changed": self.changed,
        }


class Onboarding:
    def __init__(
        self,
        *,
        database: Database,
        users: UserService,
        gmail_for: Callable[[str], GmailApi],
        watch: WatchService,
        config_folder: Path,
    ) -> None:
        self.db = database
        self.users = users
        self.gmail_for = gmail_for
        self.watch = watch
        self.config_folder = config_folder

    async def run(self, email: str) -> OnboardingResult:
        """Raises `ConfigFileError` (bad YAML) before writing anything; `GmailError`s pass."""
        config = read_config_files(self.config_folder)
        gmail = self.gmail_for(email)
        profile = await gmail.get_profile()
        user = await self.users.ensure(email)
        already = user.onboarded_at is not None

        existing = {label.name for label in await gmail.list_labels()}
        ids_by_name = await gmail.ensure_labels(LABEL_NAMES.values())
        created = [name for name in LABEL_NAMES.values() if name not in existing]
        wanted = {key: ids_by_name[name] for key, name in LABEL_NAMES.items()}
        if dict((await self.users.labels(user.id)).ids) != wanted:
            await self.users.save_labels(user.id, wanted)

        imported = await self._import_settings(user.id, config)
        history_id, seeded = await self._seed_history(user.id, profile.history_id)
        expiration = None
        if self.watch.topic:
            expiration = (await self.watch.register(user)).expiration
        if not already:
            await self.users.mark_onboarded(user.id)
        result = OnboardingResult(
            user_id=user.id,
            email=user.email,
            labels=wanted,
            labels_created=created,
            settings_imported=imported,
            history_id=history_id,
            history_seeded=seeded,
            watch_expiration=expiration,
            already_onboarded=already,
        )
        log.info(
            "onboarding finished",
            extra={
                "user_id": user.id,
                "labels_created": len(created),
                "settings_imported": imported,
                "history_seeded": seeded,
            },
        )
        return result

    async def _import_settings(self, user_id: int, config: dict[str, Any]) -> list[str]:
        written = []
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(UserSetting).where(
                    UserSetting.user_id == user_id, UserSetting.key.in_(list(config))
                )
            )
            current = {row.key: row for row in rows.scalars()}
            for key, value in config.items():
                row = current.get(key)
                if row is None:
                    session.add(UserSetting(user_id=user_id, key=key, value=value))
                elif row.value != value:
                    row.value = value
                else:
                    continue
                written.append(key)
        return written

    async def _seed_history(self, user_id: int, history_id: int) -> tuple[str | None, bool]:
        async with self.db.transaction() as session:
            state = await session.get(SyncState, user_id)
            if state is None:
                state = SyncState(user_id=user_id)
                session.add(state)
            if state.last_history_id:
                return state.last_history_id, False
            state.last_history_id = str(history_id)
            return state.last_history_id, True
