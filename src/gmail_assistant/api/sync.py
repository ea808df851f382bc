"""`POST /api/sync?user_id=&full=`: ask for a sync now (it runs on the queue)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from gmail_assistant.jobs import names
from gmail_assistant.web.deps import ContainerDep
from gmail_assistant.web.params import MAX_ID

__all__ = ["router"]

router = APIRouter(tags=["sync"])


@router.post("/api/sync", status_code=202)
async def request_sync(
    container: ContainerDep,
    user_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    full: bool = False,
) -> dict[str, Any]:
    user = await container.users.get(user_id)
    if user is None:
        raise HTTPException(404, detail=f"no user {user_id}")
    job_id = await container.queue.enqueue(
        names.SYNC, user_id=user.id, payload={"full": full}, replace_pending=full
    )
    return {"user_id": user.id, "full": full, "job_id": job_id}
