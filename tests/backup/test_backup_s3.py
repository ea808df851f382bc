"""S3 upload: SigV4 against AWS's published example, and a PUT to a local fake bucket."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gmail_assistant.backup import BackupError, S3Target, UploadError, create_backup, upload_file
from gmail_assistant.backup.s3 import sigv4_authorization

AUTH_SHAPE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/s3/"
    r"aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)
SECRET = "test-secret-key"


@dataclass
class FakeBucket:
    status: int = 200
    requests: list[dict[str, object]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def bucket() -> Iterator[FakeBucket]:
    state = FakeBucket()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length),
                }
            )
            self.send_response(state.status)
            body = b"" if state.status == 200 else b"<Error><Code>AccessDenied</Code></Error>"
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", '"abc"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def target(url: str) -> S3Target:
    return S3Target(
        endpoint=url,
        bucket="backups",
        access_key_id="AKIDTEST",
        secret_access_key=SECRET,
        region="eu-central-1",
        prefix="gmail-assistant/",
    )


def test_signature_matches_aws_published_example() -> None:
    # "Example: GET Object" from the AWS S3 SigV4 documentation.
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    authorization = sigv4_authorization(
        method="GET",
        url="https://examplebucket.s3.amazonaws.com/test.txt",
        headers={
            "Host": "examplebucket.s3.amazonaws.com",
            "Range": "bytes=0-9",
            "x-amz-content-sha256": empty,
            "x-amz-date": "20130524T000000Z",
        },
        payload_sha256=empty,
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region="us-east-1",
    )
    assert authorization == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_backup_is_put_to_the_bucket_with_a_sigv4_header(
    tmp_path: Path, bucket: FakeBucket
) -> None:
    db = tmp_path / "inbox.db"
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [("row",)] * 1000)

    result = create_backup(db, upload_to=target(bucket.url))

    assert len(bucket.requests) == 1
    request = bucket.requests[0]
    headers = request["headers"]
    assert isinstance(headers, dict)
    assert request["path"] == f"/backups/gmail-assistant/{result.path.name}"
    assert result.uploaded_url == f"{bucket.url}/backups/gmail-assistant/{result.path.name}"
    body = result.path.read_bytes()
    assert request["body"] == body
    assert "chunked" not in headers.get("transfer-encoding", "")
    assert headers["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest()

    match = AUTH_SHAPE.match(headers["authorization"])
    assert match, headers["authorization"]
    assert match["key"] == "AKIDTEST" and match["region"] == "eu-central-1"
    assert match["date"] == headers["x-amz-date"][:8]
    signed = match["signed"].split(";")
    assert {"host", "x-amz-content-sha256", "x-amz-date"} <= set(signed)
    # What arrived on the wire (path, host, date) is exactly what was signed.
    assert headers["authorization"] == sigv4_authorization(
        method="PUT",
        url=bucket.url + str(request["path"]),
        headers={name: headers[name] for name in signed},
        payload_sha256=headers["x-amz-content-sha256"],
        access_key_id="AKIDTEST",
        secret_access_key=SECRET,
        region="eu-central-1",
    )
    assert SECRET not in str(headers)


def test_refused_upload_is_an_upload_error(tmp_path: Path, bucket: FakeBucket) -> None:
    bucket.status = 403
    path = tmp_path / "inbox-20240101T000000Z.db"
    path.write_bytes(b"x")
    with pytest.raises(UploadError, match="HTTP 403"):
        upload_file(path, target(bucket.url), now=datetime(2024, 1, 1, tzinfo=UTC))


def test_unreachable_bucket_is_an_upload_error(tmp_path: Path) -> None:
    path = tmp_path / "inbox-20240101T000000Z.db"
    path.write_bytes(b"x")
    with pytest.raises(UploadError, match="upload failed"):
        upload_file(path, target("http://127.0.0.1:9"))


def test_target_from_env() -> None:
    assert S3Target.from_env({}) is None
    env = {
        "GMA_BACKUP_S3_BUCKET": "b",
        "GMA_BACKUP_S3_ENDPOINT": "https://s3.example.com",
        "GMA_BACKUP_S3_ACCESS_KEY_ID": "k",
        "GMA_BACKUP_S3_SECRET_ACCESS_KEY": "very-secret-value",
    }
    found = S3Target.from_env(env)
    assert found is not None and found.region == "us-east-1"
    assert "very-secret-value" not in repr(found)
    del env["GMA_BACKUP_S3_SECRET_ACCESS_KEY"], env["GMA_BACKUP_S3_ENDPOINT"]
    with pytest.raises(BackupError, match=r"ENDPOINT.*SECRET_ACCESS_KEY"):
        S3Target.from_env(env)
