"""Persistence: the tables, the engine, the migrations and the hot-statement connectors."""

from gmail_assistant.db.connector import Connector, connector_for
from gmail_assistant.db.database import Database
from gmail_assistant.db.types import utcnow

__all__ = ["Connector", "Database", "connector_for", "utcnow"]
