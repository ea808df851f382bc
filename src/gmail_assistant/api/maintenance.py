"""`POST /api/reset`: forget the mailbox data, keep users, labels and settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from gmail_assistant.emails.reset import clear_tables
from gmail_assistant.web.deps import DatabaseDep, SettingsDep

__all__ = ["PRODUCTION_CONFIRMATION", "router"]

router = APIRouter(tags=["maintenance"])

PRODUCTION_CONFIRMATION = "yes-reset-production"


class ResetOut(BaseModel):
    removed: dict[str, int]


@router.post("/reset", response_model=ResetOut)
async def reset(
    db: DatabaseDep,
    settings: SettingsDep,
    confirm: Annotated[str | None, Query(max_length=100)] = None,
) -> ResetOut:
    if settings.is_production and confirm != PRODUCTION_CONFIRMATION:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"refused in production; add ?confirm={PRODUCTION_CONFIRMATION} to really reset",
        )
    return ResetOut(removed=await clear_tables(db))
