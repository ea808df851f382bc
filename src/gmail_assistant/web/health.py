"""Liveness and readiness: answers without touching the database, so it stays fast.

Always 200 while the process serves; a configuration the operator must fix (such as no admin
password in production) shows as `warnings` beside the status.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

__all__ = ["router"]

router = APIRouter()


@router.get("/api/health", tags=["health"])
async def health(request: Request) -> dict[str, str | list[str]]:
    warnings = list(getattr(request.app.state, "health_warnings", ()))
    if warnings:
        return {"status": "ok", "warnings": warnings}
    return {"status": "ok"}
