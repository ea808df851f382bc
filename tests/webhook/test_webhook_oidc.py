"""Pub/Sub OIDC verification with a locally generated signing key and certificate."""

from __future__ import annotations

import time
from typing import Any

import pytest
from webhook_support import AUDIENCE, PUSHER, SigningKey

from gmail_assistant.settings import WebhookSettings
from gmail_assistant.webhook.auth import PushAuthenticator, PushAuthError

pytestmark = pytest.mark.anyio


def authenticator(key: SigningKey, **settings: Any) -> PushAuthenticator:
    values = {"audience": AUDIENCE, "service_account": PUSHER, "certs_url": "http://certs.test/"}
    values.update(settings)
    return PushAuthenticator(settings=WebhookSettings(**values), certs_fetcher=key.fetch)


async def check(auth: PushAuthenticator, token: str | None) -> int:
    try:
        await auth.check(token=None, authorization=f"Bearer {token}" if token else None)
    except PushAuthError as exc:
        return exc.status
    return 200


async def test_a_valid_token_is_accepted_with_either_issuer_spelling() -> None:
    key = SigningKey()
    auth = authenticator(key)
    assert await check(auth, key.token()) == 200
    assert await check(auth, key.token(iss="accounts.google.com")) == 200
    assert key.fetches == 1  # certificates are cached


@pytest.mark.parametrize(
    ("case", "claims"),
    [
        ("wrong audience", {"aud": "https://elsewhere.example.com/"}),
        ("wrong issuer", {"iss": "https://evil.example.com"}),
        ("wrong email", {"email": "someone@else.iam.gserviceaccount.com"}),
        ("unverified email", {"email_verified": False}),
        ("no email_verified", {"email_verified": None}),
        ("expired", {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}),
    ],
)
async def test_bad_claims_are_rejected(case: str, claims: dict[str, Any]) -> None:
    key = SigningKey()
    assert await check(authenticator(key), key.token(**claims)) == 403, case


async def test_a_token_signed_by_another_key_is_rejected() -> None:
    key = SigningKey()
    impostor = SigningKey()  # same kid, different key
    assert await check(authenticator(key), impostor.token()) == 403


async def test_an_unknown_key_id_refetches_then_rejects() -> None:
    key = SigningKey()
    other = SigningKey(kid="other-kid")
    auth = authenticator(key)
    assert await check(auth, key.token()) == 200
    assert await check(auth, other.token()) == 403
    assert key.fetches == 2


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer", "Bearer not.a.jwt", "Bearer x"])
async def test_missing_or_garbage_bearer_is_rejected(header: str | None) -> None:
    auth = authenticator(SigningKey())
    with pytest.raises(PushAuthError) as caught:
        await auth.check(token=None, authorization=header)
    assert caught.value.status in (401, 403)


async def test_unreachable_certificates_reject_without_crashing() -> None:
    async def broken(url: str) -> dict[str, str]:
        raise OSError("no route")

    key = SigningKey()
    auth = PushAuthenticator(
        settings=WebhookSettings(audience=AUDIENCE, certs_url="http://certs.test/"),
        certs_fetcher=broken,
    )
    assert await check(auth, key.token()) == 401


async def test_token_and_oidc_together_need_both() -> None:
    key = SigningKey()
    auth = authenticator(key, token="shared")
    with pytest.raises(PushAuthError):
        await auth.check(token="shared", authorization=None)
    with pytest.raises(PushAuthError):
        await auth.check(token=None, authorization=f"Bearer {key.token()}")
    await auth.check(token="shared", authorization=f"Bearer {key.token()}")


async def test_without_configuration_every_push_is_let_through() -> None:
    auth = PushAuthenticator(settings=WebhookSettings())
    assert not auth.configured
    await auth.check(token=None, authorization=None)
