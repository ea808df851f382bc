"""The offline demo model's rules: transparent keyword heuristics, no learning, no network.

Shared by the `offline/...` LiteLLM provider and the fake OpenAI-compatible server. The
rules are documented in `gmail_assistant.llm.offline`. Everything here is a pure function
of the prompt text, so the same prompt always gets the same answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gmail_assistant.language import detect_language

__all__ = [
    "OFFLINE_LABEL",
    "OWNER_WROTE_LAST_QUESTION",
    "agent_turn",
    "classify_text",
    "detect_purpose",
    "draft_text",
    "email_text",
    "estimate_tokens",
    "learn_style_text",
    "offline_reply",
    "split_messages",
]

OFFLINE_LABEL = "[offline demo model]"
OWNER_WROTE_LAST_QUESTION = "Did the mailbox owner write the last message of this thread?"

_DATA_RE = re.compile(r"<email_data>\n?(.*?)\n?</email_data>", re.DOTALL)
_INSTRUCTIONS_RE = re.compile(r"<owner_instructions>\n?(.*?)\n?</owner_instructions>", re.DOTALL)
_PURPOSE_RE = re.compile(r"\(prompt ([a-z_]+)\.v\d+\)")
_SIGN_OFF_RE = re.compile(r"^Sign-off: *(.+)$", re.MULTILINE)
_LANGUAGE_RE = re.compile(r"language code(?: is|:)\s+([a-z]{2})\b")
_FROM_NAME_RE = re.compile(r"^From: *([^<\n]*?) *<", re.MULTILINE)
_FROM_RE = re.compile(r"^From: .*?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.MULTILINE)

# (category, confidence, "|"-separated keywords); the first rule with a matching keyword wins.
# Requests to sign or approve come first: they often arrive from no-reply senders.
_RULE_TABLE = [
    (
        "action_required",
        0.8,
        "please sign|please approve|please confirm by|sign by|approve by|review and sign"
        "|and approve|for approval|action required|podepište|podepsat|o podpis|schvalte"
        "|schválit|potvrďte do|bitte unterschreiben|bitte genehmigen|bitte bestätigen sie bis"
        "|bitte bis|unterschreiben sie|zur freigabe",
    ),
    (
        "fyi",
        0.9,
        "unsubscribe|newsletter|odhlásit|odhlášení|abbestellen|abmelden|no-reply|noreply"
        "|do not reply|nevracejte|notification|oznámení|benachrichtigung",
    ),
    (
        "fyi",
        0.85,
        "receipt|payment received|has been paid|thank you for your payment|paid in full"
        "|zaplaceno|uhrazeno|přijali jsme platbu|potvrzení platby|účtenka|bezahlt"
        "|zahlungsbestätigung|quittung|zahlung erhalten",
    ),
    (
        "payment_request",
        0.85,
        "invoice|amount due|payment due|due date|due by|overdue|faktura|fakturu|k úhradě"
        "|splatnost|splatná|rechnung|fällig|zahlbar|mahnung",
    ),
    (
        "needs_response",
        0.75,
        "?|could you|can you|would you|let me know|please|mohl byste|mohla byste|můžete"
        "|můžeš|prosím|dejte vědět|dej vědět|könnten sie|können sie|bitte"
        "|lassen sie mich wissen|kannst du",
    ),
]
_RULES = [(category, conf, tuple(words.split("|"))) for category, conf, words in _RULE_TABLE]
_INFORMAL = ("ahoj", "čau", "hi ", "hey", "hallo", "servus", "cześć")
_FORMAL = ("vážený", "vážená", "sehr geehrte", "dear sir", "dear madam", "to whom it may")


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def split_messages(messages: list[dict[str, Any]]) -> tuple[str, str]:
    def text(message: dict[str, Any]) -> str:
        content = message.get("content") or ""
        if isinstance(content, list):  # OpenAI content parts
            return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        return str(content)

    system = "\n\n".join(text(m) for m in messages if m.get("role") == "system")
    user = "\n\n".join(text(m) for m in messages if m.get("role") != "system")
    return system, user


def email_text(prompt: str) -> str:
    """The email content of a prompt: its `<email_data>` blocks, or the whole text."""
    blocks = _DATA_RE.findall(prompt)
    return "\n\n".join(blocks) if blocks else prompt


def _last_block(prompt: str) -> str:
    blocks = _DATA_RE.findall(prompt)
    return blocks[-1] if blocks else prompt


def detect_purpose(system: str, user: str, model: str = "") -> str:
    """classify, draft, rework or context: from the prompt's marker, else the model name."""
    match = _PURPOSE_RE.search(system) or _PURPOSE_RE.search(user)
    if match:
        return match.group(1)
    tail = model.rsplit("/", 1)[-1]
    return tail if tail in {"classify", "draft", "rework", "context"} else "draft"


def _style(text: str) -> str:
    head = text.lower()[:400]
    if any(word in head for word in _FORMAL):
        return "formal"
    if any(word in head for word in _INFORMAL):
        return "informal"
    return "business"


def classify_text(system: str, user: str) -> dict[str, object]:
    """The classify prompt's JSON answer, decided by the first matching keyword rule."""
    mail = _last_block(user)
    body = mail.lower()
    language = detect_language(mail)
    sender = _FROM_RE.search(mail)
    queries = [f"from:{sender.group(1)}"] if sender else []
    base = {"language": language, "style": _style(body), "context_queries": queries}
    if re.search(re.escape(OWNER_WROTE_LAST_QUESTION) + r"\s*yes", user, re.IGNORECASE):
        reason = "offline demo model: the owner wrote the last message"
        return {"category": "waiting", "confidence": 0.9, "reasoning": reason, **base}
    for category, confidence, keywords in _RULES:
        hit = next((k for k in keywords if k in body), None)
        if hit:
            reason = f"offline demo model: keyword {hit!r} matched the {category} rule"
            answer = {"category": category, "confidence": confidence, "reasoning": reason, **base}
            if category == "payment_request":
                answer["payment"] = _payment(mail)
            return answer
    reason = "offline demo model: no rule matched"
    return {"category": "fyi", "confidence": 0.5, "reasoning": reason, **base}


_TEMPLATES = {
    "cs": (
        "Dobrý den,\n\nděkuji za Vaši zprávu. Podívám se na to a ozvu se co nejdříve.",
        "Upravená verze podle pokynů: {instructions}",
        "S pozdravem",
        "Tento koncept napsal offline demo model, ne skutečný jazykový model.",
    ),
    "de": (
        "Guten Tag,\n\nvielen Dank für Ihre Nachricht. Ich sehe mir das an und melde mich"
        " so bald wie möglich.",
        "Überarbeitet nach den Anweisungen: {instructions}",
        "Mit freundlichen Grüßen",
        "Dieser Entwurf wurde vom Offline-Demomodell geschrieben, nicht von einem echten"
        " Sprachmodell.",
    ),
    "en": (
        "Hello,\n\nthank you for your message. I will look into it and get back to you soon.",
        "Reworked as instructed: {instructions}",
        "Best regards",
        "This draft was written by the offline demo model, not a real language model.",
    ),
}


def draft_text(system: str, user: str, *, rework: bool = False) -> str:
    """A template reply in the prompt's language, labelled as the offline model's work."""
    stated = _LANGUAGE_RE.search(system)
    language = stated.group(1) if stated else detect_language(_last_block(user))
    body, rework_line, default_sign_off, note = _TEMPLATES.get(language, _TEMPLATES["en"])
    parts = [OFFLINE_LABEL, body]
    instructions = _INSTRUCTIONS_RE.search(user)
    if rework and instructions:
        parts.append(rework_line.format(instructions=" ".join(instructions.group(1).split())))
    sign_off = _SIGN_OFF_RE.search(system)
    parts.append(sign_off.group(1).strip() if sign_off else default_sign_off)
    parts.append(f"-- \n{note}")
    return "\n\n".join(parts)


def _payment(mail: str) -> dict[str, object]:
    """A payment_request's `payment` object: only the payee, as the From: header names it.
    Amounts, dates and accounts are left to the code that reads structured forms."""
    sender = _FROM_NAME_RE.search(mail)
    name = sender.group(1).strip().strip('"') if sender else ""
    return {"payee": name or None}


_GROUP_RE = re.compile(r'^Group "([\w-]+)": (\d+) replies$', re.MULTILINE)
_MEDIAN_RE = re.compile(r"^- median length: (\d+) words$", re.MULTILINE)
_GROUP_ADVICE = {
    "formal": ("people the owner addresses formally", "Keep a formal, polite tone."),
    "business": ("clients, suppliers and colleagues", "Stay friendly and factual."),
    "informal": ("friends and close colleagues", "Keep it warm and relaxed."),
}


def learn_style_text(user: str) -> dict[str, object]:
    """The learn_style prompt's answer: per group named in the statistics, a labelled
    description, a tone rule for the group and a structure rule from its median length."""
    text = email_text(user)
    styles: dict[str, object] = {}
    for group in _GROUP_RE.finditer(text):
        name = group.group(1)
        who, tone = _GROUP_ADVICE.get(name, (name, "Match the owner's tone."))
        median = _MEDIAN_RE.search(text, group.end())
        short = median is not None and int(median.group(1)) <= 60
        structure = (
            "Get to the point in one or two short paragraphs."
            if short
            else "Answer first, then give the details in short paragraphs."
        )
        styles[name] = {"description": f"{OFFLINE_LABEL} {who}", "rules": [tone, structure]}
    return {"styles": styles}


def offline_reply(system: str, user: str, model: str = "") -> str:
    """What the offline model answers to this prompt."""
    purpose = detect_purpose(system, user, model)
    if purpose == "classify":
        return json.dumps(classify_text(system, user), ensure_ascii=False)
    if purpose == "context":
        return json.dumps({"queries": classify_text(system, user)["context_queries"]})
    if purpose == "learn_style":
        return json.dumps(learn_style_text(user), ensure_ascii=False)
    return draft_text(system, user, rework=purpose == "rework")


_AGENT_DONE = {
    "create_draft": "Drafted a reply for the owner to review.",
    "send_reply": "Drafted a reply for the owner to review.",
    "escalate": "Escalated the email to the owner.",
}


def agent_turn(
    messages: list[dict[str, Any]], tool_names: list[str]
) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    """One agent turn: (text, tool calls). The first turn writes a labelled template reply
    with `create_draft` (else `send_reply`), or escalates when neither is offered; once a
    tool result is in the conversation, the run ends with one sentence saying what it did."""
    called = [
        str(call.get("function", {}).get("name", ""))
        for m in messages
        if m.get("role") == "assistant"
        for call in m.get("tool_calls") or ()
        if isinstance(call, dict)
    ]
    if any(m.get("role") == "tool" for m in messages):
        done = next((_AGENT_DONE[n] for n in called if n in _AGENT_DONE), "Looked into it.")
        return f"{OFFLINE_LABEL} {done}", []
    system, user = split_messages(messages)
    for name in ("create_draft", "send_reply"):
        if name in tool_names:
            return "", [(name, {"body": draft_text(system, user)})]
    if "escalate" in tool_names:
        reason = f"{OFFLINE_LABEL} this email is for the owner to handle."
        return "", [("escalate", {"reason": reason})]
    return f"{OFFLINE_LABEL} No tool fits; nothing done.", []
