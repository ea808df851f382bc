"""Find the JSON object in a model's answer.

Models asked for "JSON only" still wrap it in ```json fences, put a sentence before or
after it, or leave a trailing comma. `extract_json_object` accepts all of that: it tries a
fenced block first, then the first `{` from which a JSON object decodes (braces inside
strings are handled by the JSON decoder itself), then the same again with trailing commas
removed. Anything else is an `LlmResponseError` with a short reason.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gmail_assistant.llm.errors import LlmResponseError

__all__ = ["extract_json_object"]

_FENCE_RE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n?(.*?)```", re.DOTALL)
_MAX_CHARS = 200_000
_MAX_STARTS = 200  # bound the work on long prose full of braces
_decoder = json.JSONDecoder()


def _first_object(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    tries = 0
    while start != -1 and tries < _MAX_STARTS:
        tries += 1
        try:
            value, _ = _decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def _strip_trailing_commas(text: str) -> str:
    """Drop commas that directly precede `}` or `]`, leaving string contents alone."""
    out: list[str] = []
    in_string = escaped = False
    pending_comma: list[str] = []  # a comma plus the whitespace after it, not yet emitted
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if pending_comma:
            if ch.isspace():
                pending_comma.append(ch)
                continue
            if ch in "}]":
                out.extend(pending_comma[1:])
            else:
                out.extend(pending_comma)
            pending_comma = []
        if ch == ",":
            pending_comma = [ch]
            continue
        if ch == '"':
            in_string = True
        out.append(ch)
    out.extend(pending_comma)
    return "".join(out)


def extract_json_object(text: str | None) -> dict[str, Any]:
    """The JSON object in `text` (fenced, inside prose, or bare)."""
    if not text or not text.strip():
        raise LlmResponseError("empty answer, expected a JSON object")
    text = text[:_MAX_CHARS]
    candidates = [m.group(1) for m in _FENCE_RE.finditer(text)]
    candidates.append(text)
    for repair in (False, True):
        for candidate in candidates:
            found = _first_object(_strip_trailing_commas(candidate) if repair else candidate)
            if found is not None:
                return found
    if "{" not in text:
        raise LlmResponseError("no JSON object in the answer")
    raise LlmResponseError("the answer's JSON object does not parse")
