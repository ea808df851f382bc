"""Persistence: the tables, the engine and the migrations."""

from gmail_assistant.db.database import Database
from gmail_assistant.db.types import utcnow

__all__ = ["Database", "utcnow"]
