"""Users of the assistant: accounts, their label ids and their settings."""

from gmail_assistant.users.service import UserExists, UserRecord, UserService

__all__ = ["UserExists", "UserRecord", "UserService"]
