"""The tools an agent profile may name, in OpenAI function format.

| tool             | does                                                                 |
|------------------|----------------------------------------------------------------------|
| `search_mailbox` | a Gmail `q` search, at most `search_max_results` messages, as data    |
| `read_thread`    | the current thread's messages, as data                               |
| `create_draft`   | a threaded reply draft (the same writer as every draft, ✂️ marker)   |
| `send_reply`     | v2.3.0's name: ALSO only creates a draft, and says so in its result  |
| `escalate`       | Action Required label and the reason as an event                     |
| `apply_label`    | one of the assistant's classification labels, nothing else           |
| `http` tools     | declared in `agent.tools` (see `agent.http_tool`)                    |

No tool sends, deletes or trashes mail: the effects go through `Effects`, whose live
implementation (`agent.handler`) only writes drafts and labels, and whose dry-run one
(`debug-agent`) only notes what would have happened. Mail read by a tool reaches the model
inside `<email_data>` blocks, like every prompt of the pipeline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gmail_assistant.flows.threads import conversation
from gmail_assistant.gmail.addresses import format_addresses
from gmail_assistant.gmail.models import ParsedMessage, ThreadData
from gmail_assistant.prompts.untrusted import wrap_email

__all__ = [
    "AGENT_LABELS",
    "BUILTIN_TOOLS",
    "Effects",
    "FunctionTool",
    "MailReader",
    "Tool",
    "ToolContext",
    "builtin_tool",
    "message_block",
]

# Labels `apply_label` may set: the classification ones (Outbox, Rework and Done belong to
# the draft lifecycle and the owner).
AGENT_LABELS = ("needs_response", "action_required", "payment_request", "fyi", "waiting")
_MESSAGE_CHARS = 3_000


class Effects(Protocol):
    """What the tools may change in the mailbox; nothing else is reachable from a tool."""

    async def write_draft(self, body: str) -> str: ...

    async def escalate(self, reason: str) -> str: ...

    async def apply_label(self, key: str) -> str: ...


class MailReader(Protocol):
    """The part of `GmailApi` tools may use: reading. Writes go through `Effects` only."""

    async def list_message_ids(
        self,
        query: str,
        max_results: int | None = None,
        label_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str]]: ...

    async def get_message(self, message_id: str) -> ParsedMessage: ...

    async def get_thread(self, thread_id: str) -> ThreadData: ...


@dataclass
class ToolContext:
    gmail: MailReader
    thread: ThreadData
    inbound: ParsedMessage
    effects: Effects
    search_max_results: int = 10


class Tool(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def read_only(self) -> bool: ...

    def schema(self) -> dict[str, Any]: ...

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> str: ...


Run = Callable[[dict[str, Any], ToolContext], Awaitable[str]]


@dataclass(frozen=True)
class FunctionTool:
    name: str
    description: str
    parameters: dict[str, Any]
    func: Run
    read_only: bool

    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> str:
        return await self.func(args, ctx)


def message_block(message: ParsedMessage, *, max_chars: int = _MESSAGE_CHARS) -> str:
    return wrap_email(
        body=message.body_text,
        sender=str(message.sender or ""),
        to=format_addresses(message.to),
        date=message.date.isoformat() if message.date else "",
        subject=message.subject,
        max_chars=max_chars,
    )


def _text(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"argument {key!r} (a non-empty string) is required")
    return value.strip()


async def _search(args: dict[str, Any], ctx: ToolContext) -> str:
    query = _text(args, "query")[:500]
    wanted = args.get("max_results")
    limit = ctx.search_max_results
    if isinstance(wanted, int) and wanted > 0:
        limit = min(wanted, limit)
    found = await ctx.gmail.list_message_ids(query, max_results=limit)
    if not found:
        return f"No messages match {query!r}."
    blocks = []
    for message_id, _thread in found[:limit]:
        message = await ctx.gmail.get_message(message_id)
        blocks.append(f"thread {message.thread_id}:\n{message_block(message, max_chars=800)}")
    return f"{len(blocks)} message(s) for {query!r}:\n\n" + "\n\n".join(blocks)


async def _read_thread(args: dict[str, Any], ctx: ToolContext) -> str:
    thread_id = args.get("thread_id")
    thread = ctx.thread
    if isinstance(thread_id, str) and thread_id and thread_id != thread.id:
        thread = await ctx.gmail.get_thread(thread_id)
    messages = conversation(thread)[-10:]
    blocks = "\n\n".join(message_block(m) for m in messages)
    return f"thread {thread.id}, {len(messages)} message(s), oldest first:\n\n{blocks}"


async def _create_draft(args: dict[str, Any], ctx: ToolContext) -> str:
    return await ctx.effects.write_draft(_text(args, "body"))


async def _send_reply(args: dict[str, Any], ctx: ToolContext) -> str:
    result = await ctx.effects.write_draft(_text(args, "body"))
    return (
        f"{result} Note: this assistant never sends mail; the reply was saved as a draft "
        "for the mailbox owner to review and send."
    )


async def _escalate(args: dict[str, Any], ctx: ToolContext) -> str:
    return await ctx.effects.escalate(_text(args, "reason")[:1000])


async def _apply_label(args: dict[str, Any], ctx: ToolContext) -> str:
    key = _text(args, "label")
    if key not in AGENT_LABELS:
        raise ValueError(f"label must be one of {', '.join(AGENT_LABELS)}")
    return await ctx.effects.apply_label(key)


def _params(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required}


_BODY = {"type": "string", "description": "The reply text (plain text, no quoted thread)."}

BUILTIN_TOOLS: dict[str, FunctionTool] = {
    tool.name: tool
    for tool in (
        FunctionTool(
            "search_mailbox",
            "Search the mailbox with a Gmail query (e.g. from:alice@example.com newer_than:30d)."
            " Returns a few messages as data.",
            _params(
                ["query"],
                query={"type": "string"},
                max_results={"type": "integer", "minimum": 1},
            ),
            _search,
            read_only=True,
        ),
        FunctionTool(
            "read_thread",
            "Read the messages of the current email thread (or another thread by id).",
            _params([], thread_id={"type": "string"}),
            _read_thread,
            read_only=True,
        ),
        FunctionTool(
            "create_draft",
            "Write a reply draft in the current thread for the owner to review.",
            _params(["body"], body=_BODY),
            _create_draft,
            read_only=False,
        ),
        FunctionTool(
            "send_reply",
            "Prepare a reply to the sender. It is saved as a draft; the owner sends it.",
            _params(["body"], body=_BODY),
            _send_reply,
            read_only=False,
        ),
        FunctionTool(
            "escalate",
            "Hand the email to a human (the mailbox owner) with the reason.",
            _params(["reason"], reason={"type": "string"}),
            _escalate,
            read_only=False,
        ),
        FunctionTool(
            "apply_label",
            "Label the thread with one of the assistant's labels.",
            _params(["label"], label={"type": "string", "enum": list(AGENT_LABELS)}),
            _apply_label,
            read_only=False,
        ),
    )
}


def builtin_tool(name: str) -> FunctionTool | None:
    return BUILTIN_TOOLS.get(name)
