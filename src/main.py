"""The deployment's entry point: `uvicorn src.main:app --host 0.0.0.0 --port 8000`."""

from gmail_assistant.app import create_app

app = create_app()
