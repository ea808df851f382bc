"""Onboarding through the emulator: idempotent, YAML import, watch, the HTTP route."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sync_support import OWNER, control, make_settings, started, sync_state

from gmail_assistant.app import create_app
from gmail_assistant.db.models import UserLabel, UserSetting
from gmail_assistant.labels import LABEL_NAMES
from gmail_assistant.onboarding.config_files import ConfigFileError

pytestmark = pytest.mark.anyio


def mailbox(emu: Any) -> dict[str, Any]:
    box: dict[str, Any] = control(emu.url, "GET", f"/state?email={OWNER}")["mailboxes"][OWNER]
    return box


async def snapshot(container: Any) -> tuple[Any, ...]:
    async with container.database.read() as session:
        labels = sorted(
            (r.label_key, r.gmail_label_id, r.id)
            for r in (await session.execute(select(UserLabel))).scalars()
        )
        settings = sorted(
            (r.key, str(r.value), r.updated_at)
            for r in (await session.execute(select(UserSetting))).scalars()
        )
    user = await container.users.get_by_email(OWNER)
    state = await sync_state(container, user.id)
    return labels, settings, user.onboarded_at, state.last_history_id


async def test_onboarding_twice_creates_labels_once_and_changes_nothing(
    emu: Any, db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "contacts.yml").write_text(
        "style_overrides:\n  boss@example.com: formal\n"
        "domain_overrides:\n  '*.cz': czech_informal\n"
    )
    settings = make_settings(tmp_path, emu.url, db_url)
    async with started(settings) as (container, components):
        history_before = int(mailbox(emu)["historyId"])
        first = await components.onboarding.run(OWNER)
        after_first = await snapshot(container)
        second = await components.onboarding.run(OWNER)
        after_second = await snapshot(container)

    assert sorted(first.labels_created) == sorted(LABEL_NAMES.values())
    assert first.settings_imported == ["contacts"] and first.history_seeded
    assert first.history_id == str(history_before)
    names_in_gmail = [label["name"] for label in mailbox(emu)["labels"]]
    for name in LABEL_NAMES.values():
        assert names_in_gmail.count(name) == 1
    assert first.labels == {
        key: next(lbl["id"] for lbl in mailbox(emu)["labels"] if lbl["name"] == name)
        for key, name in LABEL_NAMES.items()
    }
    assert second.labels_created == [] and second.settings_imported == []
    assert not second.history_seeded and second.already_onboarded and not second.changed
    assert after_first == after_second
    assert after_first[1][0][:2] == (
        "contacts",
        str(
            {
                "style_overrides": {"boss@example.com": "formal"},
                "domain_overrides": {"*.cz": "czech_informal"},
                "language_overrides": {},
                "blacklist": [],
            }
        ),
    )
    assert mailbox(emu)["watch"] is None  # no topic configured


async def test_a_malformed_yaml_file_stops_onboarding_before_any_write(
    emu: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "contacts.yml").write_text("fine: true\n")
    (folder / "communication_styles.yml").write_text("- a list\n- not a mapping\n")
    settings = make_settings(tmp_path, emu.url, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with started(settings) as (container, components):
        with pytest.raises(ConfigFileError, match=r"communication_styles\.yml"):
            await components.onboarding.run(OWNER)
        assert await container.users.get_by_email(OWNER) is None
        (folder / "communication_styles.yml").write_text("key: [unclosed\n")
        with pytest.raises(ConfigFileError, match="not valid YAML"):
            await components.onboarding.run(OWNER)
    assert not any(lbl["name"].startswith("🤖") for lbl in mailbox(emu)["labels"])


async def test_with_a_topic_the_watch_is_registered_on_the_order_labels(
    emu: Any, tmp_path: Path
) -> None:
    topic = "projects/p/topics/gmail"
    settings = make_settings(
        tmp_path, emu.url, f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", sync={"pubsub_topic": topic}
    )
    async with started(settings) as (_container, components):
        result = await components.onboarding.run(OWNER)
        status = await components.watch.status()
    watch = mailbox(emu)["watch"]
    assert watch["topicName"] == topic and watch["labelFilterBehavior"] == "include"
    # INBOX, the owner's orders, and the category labels a move to which is a correction.
    keys = ("needs_response", "rework", "done", "action_required", "payment_request", "fyi")
    assert set(watch["labelIds"]) == {"INBOX", *(result.labels[k] for k in (*keys, "waiting"))}
    assert result.watch_expiration is not None
    assert status[0].topic == topic and status[0].expiration == result.watch_expiration


async def test_the_http_routes(emu: Any, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, emu.url, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            # No email given and no user yet: the credentials' own mailbox.
            first = await client.post("/api/auth/init")
            again = await client.post("/api/auth/init", json={"email": OWNER})
            bad_body = await client.post("/api/auth/init", content=b"[1")
            sync = await client.post(f"/api/sync?user_id={first.json()['user_id']}&full=true")
            unknown = await client.post("/api/sync?user_id=999")
            watch = await client.post("/api/watch")
            status = await client.get("/api/watch/status")
    assert first.status_code == 200 and first.json()["email"] == OWNER
    assert first.json()["changed"] and not again.json()["changed"]
    assert bad_body.status_code == 400
    assert sync.status_code == 202 and sync.json()["full"] is True
    assert unknown.status_code == 404
    assert watch.status_code == 400 and "GMA_SYNC_PUBSUB_TOPIC" in watch.json()["detail"]
    assert status.status_code == 200 and status.json()["users"][0]["email"] == OWNER
