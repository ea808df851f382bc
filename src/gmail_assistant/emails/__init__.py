"""Reading the triaged emails: lists, search, per-email debug bundles, the briefing, reset."""

from gmail_assistant.emails.values import EmailFilter, EmailView, Page

__all__ = ["EmailFilter", "EmailView", "Page"]
