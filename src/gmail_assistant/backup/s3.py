"""Upload a backup to an S3-compatible bucket: one signed PUT, no SDK.

AWS Signature Version 4 over httpx, path-style URLs (`<endpoint>/<bucket>/<key>`), which
AWS, MinIO, Backblaze B2, Cloudflare R2 and Garage all accept. The payload hash is sent in
`x-amz-content-sha256`, so the file is streamed rather than held in memory.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from gmail_assistant.backup.errors import BackupError, UploadError

__all__ = ["S3Target", "sigv4_authorization", "upload_file"]

_ALGORITHM = "AWS4-HMAC-SHA256"
_CHUNK = 1024 * 1024
# Environment variables read by `S3Target.from_env`; the same names are the settings'
# `backup` section (`GMA_BACKUP_S3_BUCKET` -> backup.s3_bucket), which the server uses.
ENV_PREFIX = "GMA_BACKUP_S3_"


@dataclass(frozen=True)
class S3Target:
    endpoint: str  # e.g. https://s3.eu-central-1.amazonaws.com or http://minio:9000
    bucket: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    region: str = "us-east-1"
    prefix: str = ""  # key prefix such as "gmail-assistant/"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> S3Target | None:
        """The target named by `GMA_BACKUP_S3_*`, or None when no bucket is set."""
        values = {
            name: environ.get(ENV_PREFIX + name.upper(), "").strip()
            for name in ("endpoint", "bucket", "access_key_id", "secret_access_key")
        }
        if not values["bucket"]:
            return None
        missing = [ENV_PREFIX + name.upper() for name, value in values.items() if not value]
        if missing:
            raise BackupError(f"{', '.join(missing)}: required when {ENV_PREFIX}BUCKET is set")
        return cls(
            **values,
            region=environ.get(ENV_PREFIX + "REGION", "").strip() or "us-east-1",
            prefix=environ.get(ENV_PREFIX + "PREFIX", "").strip(),
        )

    def object_url(self, key: str) -> str:
        path = quote(f"/{self.bucket}/{self.prefix}{key}", safe="/")
        return self.endpoint.rstrip("/") + path


def sigv4_authorization(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    service: str = "s3",
) -> str:
    """The `Authorization` value for a request; signs every header in `headers`.

    `headers` must hold `host` and `x-amz-date` (`YYYYmmddTHHMMSSZ`), and, for S3,
    `x-amz-content-sha256`. `url` is already percent-encoded, as sent on the wire.
    """
    parsed = httpx.URL(url)
    canonical = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed_headers = ";".join(sorted(canonical))
    canonical_request = "\n".join(
        [
            method.upper(),
            parsed.raw_path.split(b"?", 1)[0].decode("ascii") or "/",
            _canonical_query(parsed),
            "".join(f"{name}:{canonical[name]}\n" for name in sorted(canonical)),
            signed_headers,
            payload_sha256,
        ]
    )
    amz_date = canonical["x-amz-date"]
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [_ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = ("AWS4" + secret_access_key).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{_ALGORITHM} Credential={access_key_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def upload_file(
    path: Path,
    target: S3Target,
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> str:
    """PUT `path` as `<prefix><file name>` into the bucket; returns the object URL."""
    path = Path(path)
    url = target.object_url(path.name)
    size, digest = _size_and_sha256(path)
    headers = {
        "host": httpx.URL(url).netloc.decode("ascii"),
        "x-amz-content-sha256": digest,
        "x-amz-date": (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"),
    }
    headers["authorization"] = sigv4_authorization(
        method="PUT",
        url=url,
        headers=headers,
        payload_sha256=digest,
        access_key_id=target.access_key_id,
        secret_access_key=target.secret_access_key,
        region=target.region,
    )
    # An explicit length keeps httpx from chunking the body, which S3 would reject.
    headers["content-length"] = str(size)
    headers["content-type"] = "application/vnd.sqlite3"
    owned = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(300, connect=10))
    try:
        response = http.put(url, headers=headers, content=_chunks(path))
    except httpx.HTTPError as exc:
        raise UploadError(f"{url}: upload failed: {exc}") from exc
    finally:
        if owned:
            http.close()
    if not response.is_success:
        detail = response.text[:300]
        raise UploadError(f"{url}: upload refused: HTTP {response.status_code} {detail}")
    return url


def _canonical_query(url: httpx.URL) -> str:
    pairs = sorted(
        (quote(name, safe="-_.~"), quote(value, safe="-_.~"))
        for name, value in url.params.multi_items()
    )
    return "&".join(f"{name}={value}" for name, value in pairs)


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk
