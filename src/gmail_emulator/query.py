"""The Gmail search language (``q``) subset: operators, quoted phrases, ``-``, ``OR``, ``( )``.

``compile_query(q)`` returns a :class:`Query` whose ``matches(doc)`` tests one message's
:class:`SearchDoc`. Words match whole, as in Gmail: ``invoice`` does not find "invoices".
Unknown operators match nothing rather than everything, so a typo in a query never widens
what the assistant touches.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gmail_emulator.labels import label_key

__all__ = ["Query", "SearchDoc", "compile_query"]

_TOKEN = re.compile(r'\s*(?:(\()|(\))|(-?)([\w.+]+:)?("[^"]*"|\([^)]*\)|[^\s()]+))')
_WORD = re.compile(r"\w+")
_UNITS_MS = {"h": 3_600_000, "d": 86_400_000, "m": 30 * 86_400_000, "y": 365 * 86_400_000}
_IN_LABELS = {
    "inbox": "INBOX",
    "sent": "SENT",
    "drafts": "DRAFT",
    "draft": "DRAFT",
    "spam": "SPAM",
    "trash": "TRASH",
    "starred": "STARRED",
    "important": "IMPORTANT",
    "chats": "CHAT",
}


@dataclass(frozen=True)
class SearchDoc:
    label_ids: frozenset[str]
    label_keys: frozenset[str]  # label_key() of every label name and id on the message
    sender: str
    recipients: str  # To, Cc and Bcc
    cc: str
    subject: str
    text: str
    message_id: str
    internal_ms: int
    filenames: tuple[str, ...]


Predicate = Callable[[SearchDoc], bool]


@dataclass(frozen=True)
class Query:
    matches: Predicate
    wants_spam_trash: bool  # the query names spam or trash itself, so do not hide them

    @staticmethod
    def everything() -> Query:
        return Query(lambda _doc: True, False)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _contains(haystack: str, needle: str) -> bool:
    """Gmail matches whole words: the needle's words, in order, next to each other
    (``invoice`` finds "Invoice 42" but not "invoices"; ``alice@example.org`` finds the
    address inside "Alice <alice@example.org>")."""
    wanted = _words(needle)
    if not wanted:
        return False
    have = _words(haystack)
    size = len(wanted)
    return any(have[i : i + size] == wanted for i in range(len(have) - size + 1))


def _age_ms(value: str) -> int | None:
    match = re.fullmatch(r"(\d+)([hdmy])", value.lower())
    return int(match.group(1)) * _UNITS_MS[match.group(2)] if match else None


def _date_ms(value: str) -> int | None:
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return int(datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp() * 1000)
        except ValueError:
            continue
    return int(value) * 1000 if value.isdigit() else None


def _term(op: str, value: str, now_ms: int) -> tuple[Predicate, bool]:
    """One operator term → (predicate, names spam/trash)."""
    low = value.lower()
    if op == "in":
        if low == "anywhere":
            return (lambda _d: True), True
        label = _IN_LABELS.get(low)
        return (lambda d: label in d.label_ids), label in ("SPAM", "TRASH")
    if op == "is":
        if low == "read":
            return (lambda d: "UNREAD" not in d.label_ids), False
        label = _IN_LABELS.get(low) or low.upper()
        return (lambda d: label in d.label_ids), False
    if op == "label":
        key = label_key(value)
        return (lambda d: key in d.label_keys), key in ("spam", "trash")
    if op == "category":
        label = f"CATEGORY_{low.upper()}"
        return (lambda d: label in d.label_ids), False
    if op == "from":
        return (lambda d: _contains(d.sender, value)), False
    if op in ("to", "bcc"):
        return (lambda d: _contains(d.recipients, value)), False
    if op == "cc":
        return (lambda d: _contains(d.cc, value)), False
    if op == "subject":
        return (lambda d: _contains(d.subject, value)), False
    if op == "rfc822msgid":
        bare = value.strip("<>").lower()
        return (lambda d: d.message_id.strip("<>").lower() == bare), False
    if op == "has":
        if low == "attachment":
            return (lambda d: bool(d.filenames)), False
        if low == "userlabels":
            return (lambda d: any(i.startswith("Label_") for i in d.label_ids)), False
        return (lambda _d: False), False
    if op == "filename":
        return (lambda d: any(_contains(name, value) for name in d.filenames)), False
    if op in ("newer_than", "older_than"):
        age = _age_ms(value)
        if age is None:
            return (lambda _d: False), False
        cutoff = now_ms - age
        if op == "newer_than":
            return (lambda d: d.internal_ms >= cutoff), False
        return (lambda d: d.internal_ms < cutoff), False
    if op in ("after", "before", "newer", "older"):
        when = _date_ms(value)
        if when is None:
            return (lambda _d: False), False
        if op in ("after", "newer"):
            return (lambda d: d.internal_ms >= when), False
        return (lambda d: d.internal_ms < when), False
    return (lambda _d: False), False


def _free_text(word: str) -> Predicate:
    def match(d: SearchDoc) -> bool:
        return any(_contains(field, word) for field in (d.subject, d.text, d.sender, d.recipients))

    return match


class _Parser:
    def __init__(self, q: str, now_ms: int) -> None:
        self.tokens: list[tuple[str, str, str]] = []  # (kind, op, value)
        self.now_ms = now_ms
        self.spam_trash = False
        for match in _TOKEN.finditer(q):
            opened, closed, neg, op, value = match.groups()
            if opened:
                self.tokens.append(("(", "", ""))
            elif closed:
                self.tokens.append((")", "", ""))
            elif value is not None:
                kind = "-" if neg else "+"
                if not op and not neg and value in ("OR", "AND"):
                    kind = value
                self.tokens.append((kind, (op or "").rstrip(":").lower(), value))
        self.pos = 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def parse(self) -> Predicate:
        node = self._or()
        while self.pos < len(self.tokens):  # stray ")": skip it and keep going
            self.pos += 1
            rest = self._or()
            node = _and(node, rest)
        return node

    def _or(self) -> Predicate:
        options = [self._and()]
        while self._peek() == "OR":
            self.pos += 1
            options.append(self._and())
        if len(options) == 1:
            return options[0]
        return lambda d: any(option(d) for option in options)

    def _and(self) -> Predicate:
        parts: list[Predicate] = []
        while (kind := self._peek()) is not None and kind not in (")", "OR"):
            if kind == "AND":
                self.pos += 1
                continue
            parts.append(self._unary())
        return lambda d: all(part(d) for part in parts)

    def _unary(self) -> Predicate:
        kind, op, value = self.tokens[self.pos]
        self.pos += 1
        if kind == "(":
            inner = self._or()
            if self._peek() == ")":
                self.pos += 1
            return inner
        negate = kind == "-"
        if value.startswith("(") and value.endswith(")"):
            words = value[1:-1].split()
            preds = [self._leaf(op, word, negate=False) for word in words]
            node: Predicate = lambda d: all(p(d) for p in preds)  # noqa: E731
        else:
            node = self._leaf(op, value.strip('"'), negate=negate)
        if negate:
            inner_node = node
            return lambda d: not inner_node(d)
        return node

    def _leaf(self, op: str, value: str, *, negate: bool) -> Predicate:
        if not op:
            return _free_text(value)
        predicate, spam_trash = _term(op, value, self.now_ms)
        if spam_trash and not negate:
            self.spam_trash = True
        return predicate


def _and(left: Predicate, right: Predicate) -> Predicate:
    return lambda d: left(d) and right(d)


def compile_query(q: str | None, *, now_ms: int | None = None) -> Query:
    if not q or not q.strip():
        return Query.everything()
    parser = _Parser(q, now_ms if now_ms is not None else int(time.time() * 1000))
    predicate = parser.parse()
    return Query(predicate, parser.spam_trash)
