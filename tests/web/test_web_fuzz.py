"""Random requests for every route in the OpenAPI document: bad input is never a 500.

A small hypothesis-driven fuzzer over `app.openapi()`: path and query parameters from
hostile strings and numbers (or from the schema), JSON bodies from arbitrary JSON, all
with Basic Auth on, against the real app on SQLite with a few rows in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from api_support import ADMIN, PASSWORD, build_app, make_settings, seed_email, seed_user
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# A URL cannot carry an unpaired surrogate (percent-encoding is UTF-8); JSON bodies can.
URL_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(
        ["", " ", "0", "-1", "1e9", "NaN", "%", "_", "\\", "'", '"', "..", "a@b.c",
         "owner@example.com", "x" * 400, "\u0000", "😀", "<script>", "1;DROP TABLE"]
    ),
)  # fmt: skip
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "0", "-1", "1e9", "NaN", "%", "_", "\\", "'", '"', "..", "a@b.c",
         "owner@example.com", "x" * 400, "\u0000", "\ud800", "😀", "<script>", "1;DROP TABLE"]
    ),
)  # fmt: skip
HOSTILE_INT = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 2**31 - 1, 2**31, 2**63]),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put"):
                found.append((method.upper(), path, operation))
    return found


def _value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    kinds = {s.get("type") for s in schema.get("anyOf", [schema])}
    if "integer" in kinds:
        return st.one_of(HOSTILE_INT, URL_TEXT)
    return URL_TEXT


@st.composite
def _request(draw: st.DrawFn, operation: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    method, path, spec = operation
    url = path
    query: dict[str, str] = {}
    for param in spec.get("parameters", []):
        value = draw(_value(param.get("schema", {})))
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}", quote(str(value), safe="") or "x")
        elif param["in"] == "query" and draw(st.booleans()):
            query[param["name"]] = str(value)
    body = None
    if "requestBody" in spec:
        body = json.dumps(draw(JSON)).encode()
    return {"method": method, "url": url, "params": query, "content": body}


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    app = build_app(make_settings(tmp, auth=True))

    with TestClient(app, raise_server_exceptions=False) as client:
        db = app.state.container.database

        async def seed() -> None:
            user = await seed_user(db, "owner@example.com")
            for _ in range(3):
                await seed_email(db, user, reasoning="seeded")

        client.portal.call(seed)  # type: ignore[union-attr]
        client.auth = (ADMIN, PASSWORD)
        yield client


OPERATIONS = _operations(build_app(make_settings(Path("/tmp/gma-fuzz-schema"))))


def test_the_fuzzer_sees_every_api_route() -> None:
    paths = {path for _, path, _ in OPERATIONS}
    assert "/api/users/{user_id}/settings/{key}" in paths and "/api/reset" in paths
    assert len(OPERATIONS) >= 11


# Found by this fuzzer in routes owned elsewhere; kept visible as expected failures until fixed.
KNOWN_ISSUES: dict[tuple[str, str], str] = {}


def _param(operation: tuple[str, str, dict[str, Any]]) -> Any:
    method, path, _ = operation
    reason = KNOWN_ISSUES.get((method, path))
    marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
    return pytest.param(operation, id=f"{method} {path}", marks=marks)


@pytest.mark.parametrize("operation", [_param(op) for op in OPERATIONS])
def test_random_requests_never_500(
    fuzz_client: TestClient, operation: tuple[str, str, dict[str, Any]]
) -> None:
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=_request(operation))
    def check(request: dict[str, Any]) -> None:
        headers = {"content-type": "application/json"} if request["content"] else {}
        response = fuzz_client.request(
            request["method"], request["url"], params=request["params"],
            content=request["content"], headers=headers,
        )  # fmt: skip
        assert response.status_code < 500, (request, response.status_code, response.text[:300])
        if response.status_code >= 400:
            body = response.json()
            assert "detail" in body
            # A route may answer 401 of its own (Gmail refused a token); never the Basic Auth
            # challenge, since the right credentials were sent.
            assert body != {"detail": "authentication required"}

    check()
