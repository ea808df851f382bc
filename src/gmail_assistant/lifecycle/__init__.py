"""What happens after the first draft: rework, manual drafts, done, sent."""

from gmail_assistant.lifecycle.cleanup import CleanupHandler, similarity
from gmail_assistant.lifecycle.manual import ManualDraftHandler
from gmail_assistant.lifecycle.rework import MAX_REWORKS, ReworkHandler

__all__ = ["MAX_REWORKS", "CleanupHandler", "ManualDraftHandler", "ReworkHandler", "similarity"]
