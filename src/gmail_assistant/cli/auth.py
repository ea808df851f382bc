"""`gmail-assistant auth login|status`: create the owner's OAuth token, check it works.

`login` is the only place a browser is involved; the server never opens one. `--headless`
(SSH, containers) prints the consent URL and reads the redirect URL or the code back.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import typer

from gmail_assistant.cli.base import app

__all__ = ["auth_app"]

auth_app = typer.Typer(
    no_args_is_help=True, help="Gmail authorisation: create and check the token."
)
app.add_typer(auth_app, name="auth")

# Loopback redirect for --headless: nothing listens there; the browser shows an error page
# whose address (with ?code=...) the owner copies back. Google allows any loopback port.
HEADLESS_REDIRECT = "http://localhost:8085/"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def _code_from(answer: str, expected_state: str | None) -> str:
    """The authorization code from a pasted redirect URL, or the pasted code itself."""
    answer = answer.strip()
    if not answer.startswith(("http://", "https://")):
        return answer
    query = parse_qs(urlsplit(answer).query)
    if "error" in query:
        raise _fail(f"authorization refused: {query['error'][0]}")
    state = query.get("state", [None])[0]
    if expected_state and state is not None and state != expected_state:
        raise _fail("the pasted URL belongs to another login attempt (state mismatch)")
    return query.get("code", [""])[0]


def _write_token(path: Path, content: str) -> None:
    """Write the token readable by the owner only (0600), replacing any previous one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
        os.write(fd, content.encode("utf-8"))
    finally:
        os.close(fd)


def _headless(flow: Any) -> Any:
    flow.redirect_uri = HEADLESS_REDIRECT
    url, state = flow.authorization_url(access_type="offline", prompt="consent")
    typer.echo("Open this URL in a browser on any machine and allow access:\n")
    typer.echo(url)
    typer.echo(
        "\nThe browser then fails to load a localhost page; copy that page's full address "
        "(or just its code= value) and paste it here."
    )
    answer = typer.prompt("Redirect URL or code", default="", show_default=False)
    code = _code_from(answer, state)
    if not code:
        raise _fail("no authorization code given; nothing written")
    flow.fetch_token(code=code)
    return flow.credentials


@auth_app.command()
def login(
    credentials_file: Path = typer.Option(
        None, help="OAuth client JSON (default: GMA_AUTH_CREDENTIALS_FILE)."
    ),
    token_file: Path = typer.Option(
        None, help="Where to write the token (default: GMA_AUTH_TOKEN_FILE)."
    ),
    headless: bool = typer.Option(
        False, "--headless", help="Print the URL and read the code from stdin; no browser."
    ),
    port: int = typer.Option(0, help="Local redirect port for the browser flow (0: any)."),
) -> None:
    """Authorise Gmail access (scope gmail.modify) and write the token file."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    from gmail_assistant.gmail.auth import GMAIL_MODIFY
    from gmail_assistant.settings import load_settings

    settings = load_settings()
    client_file = credentials_file or settings.auth.credentials_file
    target = token_file or settings.auth.token_file
    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_file), [GMAIL_MODIFY])
    except FileNotFoundError:
        raise _fail(f"GMA_AUTH_CREDENTIALS_FILE: {client_file} does not exist") from None
    except (ValueError, KeyError) as exc:
        raise _fail(
            f"GMA_AUTH_CREDENTIALS_FILE: {client_file} is not an OAuth client: {exc}"
        ) from exc
    if headless:
        credentials = _headless(flow)
    else:
        credentials = flow.run_local_server(port=port, open_browser=True)
    if not credentials.refresh_token:
        raise _fail("Google returned no refresh token; revoke the app's access and retry")
    _write_token(target, credentials.to_json())
    typer.echo(f"Token written to {target} (mode 0600).")


@auth_app.command()
def status() -> None:
    """Load the configured credentials and show which mailbox they open (no tokens shown)."""
    from gmail_assistant.gmail.errors import GmailError
    from gmail_assistant.gmail.factory import build_gmail_client
    from gmail_assistant.settings import load_settings

    settings = load_settings()
    try:
        client = build_gmail_client(settings, settings.auth.subject or "me")
        try:
            profile = asyncio.run(client.get_profile())
        finally:
            client.close()
    except GmailError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        json.dumps(
            {
                "mode": settings.auth.mode,
                "email": profile.email,
                "messages_total": profile.messages_total,
                "history_id": profile.history_id,
                "endpoint": settings.gmail.api_endpoint,
            },
            indent=2,
        )
    )
