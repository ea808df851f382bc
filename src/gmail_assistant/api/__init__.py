"""The REST API under `/api`: thin routes over the services in `emails/` and `users/`."""

from fastapi import APIRouter

from gmail_assistant.api import briefing, compat_v2, emails, maintenance, users

__all__ = ["router"]

router = APIRouter(prefix="/api")
router.include_router(users.router)
router.include_router(compat_v2.router)  # v2.3.0's paths and shapes, deprecated in OpenAPI
router.include_router(emails.router)
router.include_router(briefing.router)
router.include_router(maintenance.router)
