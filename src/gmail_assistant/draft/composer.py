"""Writing a reply: the prompt (style, language, thread, context, owner's instructions), the
LLM call, and the reply MIME with the ✂️ marker — shared by draft, rework and manual drafts.

If the model fails after the gateway's retries, the draft says `[ERROR: …]` instead, so the
owner sees in Gmail that this thread needs them rather than silently getting nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from gmail_assistant.classify.style import style_details
from gmail_assistant.flows.threads import conversation, with_marker
from gmail_assistant.gmail.addresses import (
    format_addresses,
    parse_address_list,
    reply_recipients,
)
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.compose import build_reply
from gmail_assistant.gmail.models import ParsedMessage, ThreadData
from gmail_assistant.llm.errors import LlmError
from gmail_assistant.llm.port import LlmApi
from gmail_assistant.llm.records import CallContext
from gmail_assistant.prompts import load_prompt
from gmail_assistant.prompts.untrusted import wrap_email, wrap_instructions

__all__ = ["Composed", "DraftComposer", "reply_message"]

log = logging.getLogger(__name__)
THREAD_CHARS = 12_000
PER_MESSAGE_CHARS = 4_000


@dataclass(frozen=True)
class Composed:
    text: str  # the AI text (below the marker)
    failed: bool
    error: str | None = None


def thread_text(thread: ThreadData) -> str:
    blocks: list[str] = []
    for message in conversation(thread):
        blocks.append(
            wrap_email(
                body=message.body_text,
                sender=str(message.sender or ""),
                to=format_addresses(message.to),
                date=message.date.isoformat() if message.date else "",
                subject=message.subject,
                max_chars=PER_MESSAGE_CHARS,
            )
        )
    text = "\n\n".join(blocks)
    # Keep the newest messages when the thread is long.
    return text[-THREAD_CHARS:] if len(text) > THREAD_CHARS else text


async def reply_message(
    gmail: GmailApi, message: ParsedMessage, body: str, *, owner_email: str
) -> str:
    """The reply to ``message`` as a mail client's Reply writes it: to every Reply-To
    mailbox, else the sender, never to the owner; threaded on the original's ids.

    When Gmail's decoded Reply-To is ambiguous (several "@"), the raw header decides: a
    display name there cannot pass for an address.
    """
    reply_to = message.reply_to
    if not message.reply_to_exact:
        headers = await gmail.get_raw_headers(message.id)
        reply_to = tuple(m for v in headers.get_all("Reply-To") for m in parse_address_list(v))
    recipients = reply_recipients(sender=message.sender, reply_to=reply_to, owner=[owner_email])
    return build_reply(
        to=recipients,
        subject=message.subject,
        body=body,
        in_reply_to=message.message_id or None,
        references=message.references or message.in_reply_to or None,
    )


class DraftComposer:
    def __init__(self, *, llm: LlmApi, model: str) -> None:
        self.llm = llm
        self.model = model
        self.draft_prompt = load_prompt("draft")
        self.rework_prompt = load_prompt("rework")

    async def compose(
        self,
        *,
        thread: ThreadData,
        style: str,
        styles: dict[str, Any] | None,
        language: str,
        related: str,
        instructions: str | None,
        previous_draft: str | None = None,
        context: CallContext | None = None,
    ) -> Composed:
        details = style_details(style, styles)
        values: dict[str, object] = {
            "style_name": details.name,
            "style_rules": details.rules,
            "sign_off": details.sign_off,
            "style_examples": details.examples,
            "language": language or "en",
            "thread": thread_text(thread),
            "related_context": related,
            "instructions": wrap_instructions(instructions or ""),
        }
        if previous_draft is not None:
            prompt = self.rework_prompt.render(
                **values, previous_draft=wrap_email(body=previous_draft)
            )
            purpose = "rework"
        else:
            prompt = self.draft_prompt.render(**values)
            purpose = "draft"
        try:
            result = await self.llm.complete(
                purpose=purpose,
                model=self.model,
                system=prompt.system,
                user=prompt.user,
                max_tokens=1200,
                temperature=0.4,
                context=context,
            )
        except LlmError as exc:
            reason = f"{type(exc).__name__}: {str(exc)[:300]}"
            log.warning("draft generation failed: %s", type(exc).__name__)
            return Composed(
                text=f"[ERROR: the assistant could not write this draft ({reason}). "
                "Please reply by hand or add the Rework label to try again.]",
                failed=True,
                error=reason,
            )
        return Composed(text=result.text.strip(), failed=False)

    @staticmethod
    def body(text: str, *, note: str | None = None) -> str:
        """The draft's body: the owner's area (a note, if any), the marker, the AI text."""
        return (note.strip() if note else "") + with_marker(text)
