"""The deployment's entry point: `uvicorn src.main:app --host 0.0.0.0 --port 8000`.

Settings are checked here, before listening; the app itself is built in the background
(`gmail_assistant.boot`) so that /api/health answers within moments of the process start.
"""

from gmail_assistant.boot import build_in_background
from gmail_assistant.settings import SettingsError, load_settings

try:
    settings = load_settings()
except SettingsError as exc:
    # One clear line naming the variable, not a traceback from inside uvicorn's import.
    raise SystemExit(f"configuration error: {exc}") from None

app = build_in_background(settings)
