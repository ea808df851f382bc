"""`gmail-assistant serve`: run the HTTP server with its workers and scheduler."""

from __future__ import annotations

import typer

from gmail_assistant.cli.base import app


@app.command()
def serve(
    host: str = typer.Option(None, help="Bind address (default: GMA_SERVER_HOST)."),
    port: int = typer.Option(None, help="Port (default: GMA_SERVER_PORT)."),
) -> None:
    """Start the server (the same app as `uvicorn src.main:app`)."""
    import uvicorn

    from gmail_assistant.boot import build_in_background
    from gmail_assistant.settings import load_settings

    settings = load_settings()
    uvicorn.run(
        build_in_background(settings),
        host=host or settings.server.host,
        port=port or settings.server.port,
        proxy_headers=True,
        forwarded_allow_ips="*",
    )
