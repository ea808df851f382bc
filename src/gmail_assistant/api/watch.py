"""`POST /api/watch` (register now) and `GET /api/watch/status`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException

from gmail_assistant.watch.service import WatchStatus
from gmail_assistant.web.deps import ContainerDep, SyncComponentsDep

__all__ = ["router"]

router = APIRouter(tags=["watch"])


def _out(status: WatchStatus) -> dict[str, Any]:
    data = asdict(status)
    for key in ("expiration", "last_push_at", "last_sync_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


@router.post("/api/watch")
async def register_watch(
    container: ContainerDep, components: SyncComponentsDep, user_id: int | None = None
) -> dict[str, Any]:
    if not components.watch.topic:
        raise HTTPException(400, detail="no Pub/Sub topic configured (GMA_SYNC_PUBSUB_TOPIC)")
    if user_id is not None:
        user = await container.users.get(user_id)
        if user is None:
            raise HTTPException(404, detail=f"no user {user_id}")
        users = [user]
    else:
        users = await container.users.list(active_only=True)
    results = await components.watch.register_many(users)
    return {"topic": components.watch.topic, "users": [_out(r) for r in results]}


@router.get("/api/watch/status")
async def watch_status(components: SyncComponentsDep) -> dict[str, Any]:
    return {
        "topic": components.watch.topic or None,
        "users": [_out(s) for s in await components.watch.status()],
    }
