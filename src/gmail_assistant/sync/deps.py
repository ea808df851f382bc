"""FastAPI dependency for the sync flow's services (the routes' only way in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gmail_assistant.sync.install import SyncComponents, components_of
from gmail_assistant.web.deps import ContainerDep

__all__ = ["SyncComponentsDep"]


async def get_components(container: ContainerDep) -> SyncComponents:
    return components_of(container)


SyncComponentsDep = Annotated[SyncComponents, Depends(get_components)]
