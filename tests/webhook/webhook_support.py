"""Push envelopes and OIDC tokens signed by a throwaway key, as Pub/Sub would send them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

KID = "test-key-1"
AUDIENCE = "https://gmail.example.com/webhook/gmail"
PUSHER = "pubsub-push@project.iam.gserviceaccount.com"


def envelope(email: str = "owner@example.com", history_id: Any = 1234) -> dict[str, Any]:
    data = json.dumps({"emailAddress": email, "historyId": history_id}).encode()
    return {
        "message": {
            "data": base64.b64encode(data).decode(),
            "messageId": "1",
            "publishTime": "2026-01-01T00:00:00Z",
        },
        "subscription": "projects/p/subscriptions/s",
    }


class SigningKey:
    """An RSA key with a self-signed certificate: the `certs_url` document is {kid: cert}."""

    def __init__(self, kid: str = KID) -> None:
        self.kid = kid
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-signer")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.signer = crypt.RSASigner.from_string(private_pem, key_id=kid)
        self.fetches = 0

    async def fetch(self, url: str) -> dict[str, str]:
        self.fetches += 1
        return {self.kid: self.cert_pem}

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": AUDIENCE,
            "email": PUSHER,
            "email_verified": True,
            "iat": now,
            "exp": now + 600,
            "sub": "123",
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(self.signer, claims).decode()
