"""FastAPI dependencies: the only place routes reach into the container."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gmail_assistant.container import Container, SyncComponents
from gmail_assistant.db import Database
from gmail_assistant.jobs import JobQueue
from gmail_assistant.settings import Settings
from gmail_assistant.users import UserService

__all__ = [
    "ContainerDep",
    "DatabaseDep",
    "QueueDep",
    "SettingsDep",
    "SyncComponentsDep",
    "UsersDep",
]


def _container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


# Dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread,
# a thread hop per request for what is an attribute lookup.
async def get_container(request: Request) -> Container:
    return _container(request)


async def get_settings(request: Request) -> Settings:
    return _container(request).settings


async def get_database(request: Request) -> Database:
    return _container(request).database


async def get_queue(request: Request) -> JobQueue:
    return _container(request).queue


async def get_users(request: Request) -> UserService:
    return _container(request).users


async def get_sync_components(request: Request) -> SyncComponents:
    return _container(request).sync


ContainerDep = Annotated[Container, Depends(get_container)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]
UsersDep = Annotated[UserService, Depends(get_users)]
SyncComponentsDep = Annotated[SyncComponents, Depends(get_sync_components)]
