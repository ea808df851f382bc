"""A local Gmail API v1 emulator that the real google-api-python-client talks to unchanged.

Start it with :func:`gmail_emulator.testing.run_emulator` (tests) or
``gmail-assistant emulator`` (CLI); build the ASGI app with :func:`create_app`.
"""

from gmail_emulator.app import create_app
from gmail_emulator.errors import GmailApiError
from gmail_emulator.faults import FaultConfig
from gmail_emulator.owner import Delivery
from gmail_emulator.state import QUOTA_UNITS, EmulatorState

__all__ = ["QUOTA_UNITS", "Delivery", "EmulatorState", "FaultConfig", "GmailApiError", "create_app"]
