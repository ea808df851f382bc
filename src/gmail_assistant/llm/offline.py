"""The deterministic offline model, plugged into LiteLLM as the provider `offline`.

Model names `offline/classify`, `offline/draft`, `offline/context` (any `offline/<x>`) go
through the real `litellm.acompletion` path, so the gateway, its records and its retries
behave exactly as with a real provider, with no account and no network. Everything it writes
is labelled: drafts start with "[offline demo model]" and end with a note in the reply's
language; classification reasons start with "offline demo model:". Cost is 0 and tokens are
estimated as characters / 4.

What it answers is chosen by the prompt's marker "(prompt <name>.vN)", else by the model
name (`offline/classify` → classify), else a draft.

Classification (the first rule that matches the latest `<email_data>` block wins):
  1. waiting          — the prompt says the owner wrote the last message ("… thread? yes")
  2. fyi (0.9)        — newsletters and notifications: unsubscribe / newsletter / no-reply /
                        notification, odhlásit / oznámení, abbestellen / Benachrichtigung
  3. fyi (0.85)       — receipts and paid bills: receipt / paid, zaplaceno / uhrazeno /
                        potvrzení platby, bezahlt / Zahlungsbestätigung / Quittung
  4. payment_request  — unpaid bills: invoice / amount due / due date / overdue,
                        faktura / k úhradě / splatnost, Rechnung / fällig / zahlbar / Mahnung
  5. action_required  — please sign / approve / confirm by, podepište / schválit /
                        potvrďte do, bitte unterschreiben / genehmigen / bestätigen Sie bis
  6. needs_response   — a question mark, or a request: could/can/would you, let me know,
                        please; můžete / prosím / dejte vědět; können Sie / bitte
  7. fyi (0.5)        — nothing matched
Language: Czech and German diacritics score 3 points each, stopwords of cs/de/en 1 point;
the highest score wins, ties and nothing at all give en. Style: formal for "Vážený",
"Sehr geehrte", "Dear Sir/Madam"; informal for "Ahoj", "Hi", "Hallo"; otherwise business.
context_queries: `from:<sender address>` when the block has a From: header.

Payment requests: the classify answer carries `payment` with only the payee, the From:
header's display name; amounts, dates and accounts are read by code
(`gmail_assistant.payments`).

Style learning (prompt learn_style.vN): per group of the statistics (formal, business,
informal), a description labelled "[offline demo model]", a tone rule for the group, and a
structure rule from its median length (short replies at 60 words or fewer).

Drafts: a fixed polite reply in the language the prompt states (else the detected one),
the prompt's sign-off, and for reworks a line repeating the owner's instructions.

Agent turns (the request offers tools): the first turn calls `create_draft` (else
`send_reply`) with that draft, or `escalate` when no draft tool is offered; once a tool
result is in the conversation, a one-sentence labelled final answer ends the run.
"""

from __future__ import annotations

import json
import time
from types import ModuleType
from typing import Any

from gmail_assistant.llm.heuristics import (
    agent_turn,
    estimate_tokens,
    offline_reply,
    split_messages,
)

__all__ = ["build_offline_provider"]


def build_offline_provider(litellm: ModuleType) -> Any:
    """An instance of a `litellm.CustomLLM` subclass; built here so that the class is
    defined only once LiteLLM has been imported (through `_litellm.get_litellm`)."""

    class OfflineProvider(litellm.CustomLLM):  # type: ignore[name-defined,misc]
        def _answer(
            self, model: str, messages: list[dict[str, Any]], model_response: Any, kwargs: Any
        ) -> Any:
            system, user = split_messages(messages)
            offered = (kwargs.get("optional_params") or {}).get("tools") or []
            choice = model_response.choices[0]
            if offered:
                names = [str(t.get("function", {}).get("name", "")) for t in offered]
                text, calls = agent_turn(messages, names)
                turn = sum(m.get("role") == "assistant" for m in messages)
                tool_calls = [
                    {
                        "id": f"offline_call_{turn}_{i}",
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps(args)},
                    }
                    for i, (name, args) in enumerate(calls)
                ]
                choice.message = litellm.Message(
                    content=text or None, tool_calls=tool_calls or None
                )
                choice.finish_reason = "tool_calls" if calls else "stop"
                reply = text + json.dumps(tool_calls)
            else:
                reply = offline_reply(system, user, model)
                choice.message.content = reply
                choice.finish_reason = "stop"
            model_response.model = f"offline/{model}"
            model_response.created = int(time.time())
            prompt_tokens = estimate_tokens(system) + estimate_tokens(user)
            completion_tokens = estimate_tokens(reply)
            model_response.usage = litellm.Usage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
            )
            return model_response

        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
            return self._answer(model, messages, kwargs["model_response"], kwargs)

        async def acompletion(
            self, model: str, messages: list[Any], *args: Any, **kwargs: Any
        ) -> Any:
            return self._answer(model, messages, kwargs["model_response"], kwargs)

    return OfflineProvider()
