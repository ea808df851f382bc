"""What every mail flow shares: its dependencies, the per-job mailbox view, thread helpers."""

from gmail_assistant.flows.deps import FlowDeps, Mailbox
from gmail_assistant.flows.threads import MARKER, ThreadCache

__all__ = ["MARKER", "FlowDeps", "Mailbox", "ThreadCache"]
