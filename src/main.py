"""The deployment's entry point: `uvicorn src.main:app --host 0.0.0.0 --port 8000`."""

from gmail_assistant.app import create_app
from gmail_assistant.settings import SettingsError

try:
    app = create_app()
except SettingsError as exc:
    # One clear line naming the variable, not a traceback from inside uvicorn's import.
    raise SystemExit(f"configuration error: {exc}") from None
