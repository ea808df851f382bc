"""Reply drafts: related-mail context, the composer, and the `draft` job."""

from gmail_assistant.draft.composer import Composed, DraftComposer, reply_message
from gmail_assistant.draft.context import gather_context
from gmail_assistant.draft.handler import DraftHandler, finish_labels, our_unknown_drafts

__all__ = [
    "Composed",
    "DraftComposer",
    "DraftHandler",
    "finish_labels",
    "gather_context",
    "our_unknown_drafts",
    "reply_message",
]
