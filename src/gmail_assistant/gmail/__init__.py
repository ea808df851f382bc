"""Gmail: the async adapter over google-api-python-client, MIME parsing, replies, auth.

The application depends on `GmailApi` (implemented by `GmailClient`), the values in
`models`, and the error tree in `errors`. No method sends, deletes or trashes a message.
"""

from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.auth import GMAIL_MODIFY, load_credentials
from gmail_assistant.gmail.budget import METHOD_UNITS, BudgetRegistry, QuotaBudget
from gmail_assistant.gmail.client import GmailClient
from gmail_assistant.gmail.compose import build_reply, parse_raw_text
from gmail_assistant.gmail.errors import (
    GmailAuthError,
    GmailBadRequest,
    GmailConflict,
    GmailError,
    GmailHistoryExpired,
    GmailNotFound,
    GmailRateLimited,
    GmailTokenRevoked,
    GmailUnavailable,
)
from gmail_assistant.gmail.factory import GmailClientFactory, build_gmail_client
from gmail_assistant.gmail.models import (
    Draft,
    Headers,
    HistoryMessage,
    HistoryPage,
    HistoryRecord,
    Label,
    LabelChange,
    ParsedMessage,
    Profile,
    ThreadData,
)
from gmail_assistant.gmail.parse import parse_message

__all__ = [
    "GMAIL_MODIFY",
    "METHOD_UNITS",
    "BudgetRegistry",
    "Draft",
    "GmailApi",
    "GmailAuthError",
    "GmailBadRequest",
    "GmailClient",
    "GmailClientFactory",
    "GmailConflict",
    "GmailError",
    "GmailHistoryExpired",
    "GmailNotFound",
    "GmailRateLimited",
    "GmailTokenRevoked",
    "GmailUnavailable",
    "Headers",
    "HistoryMessage",
    "HistoryPage",
    "HistoryRecord",
    "Label",
    "LabelChange",
    "ParsedMessage",
    "Profile",
    "QuotaBudget",
    "ThreadData",
    "build_gmail_client",
    "build_reply",
    "load_credentials",
    "parse_message",
    "parse_raw_text",
]
