"""Fixtures for the web edge: the API's app builders, plus an app with Basic Auth on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from api_support import build_app, make_settings, running
from fastapi import FastAPI


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return build_app(make_settings(tmp_path))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client
