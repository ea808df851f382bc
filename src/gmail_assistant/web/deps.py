"""FastAPI dependencies: the only place routes reach into the container."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gmail_assistant.container import Container
from gmail_assistant.db import Database
from gmail_assistant.jobs import JobQueue
from gmail_assistant.settings import Settings
from gmail_assistant.users import UserService

__all__ = ["ContainerDep", "DatabaseDep", "QueueDep", "SettingsDep", "UsersDep"]


def get_container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return get_container(request).settings


def get_database(request: Request) -> Database:
    return get_container(request).database


def get_queue(request: Request) -> JobQueue:
    return get_container(request).queue


def get_users(request: Request) -> UserService:
    return get_container(request).users


ContainerDep = Annotated[Container, Depends(get_container)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]
UsersDep = Annotated[UserService, Depends(get_users)]
