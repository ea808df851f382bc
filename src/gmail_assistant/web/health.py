"""Liveness and readiness: answers without touching the database, so it stays fast."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()


@router.get("/api/health", tags=["health"])
async def health() -> dict[str, str]:
    return {"status": "ok"}
