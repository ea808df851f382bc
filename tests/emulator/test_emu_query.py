"""The ``q`` parser on its own: properties that must hold for any input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gmail_emulator.labels import label_key
from gmail_emulator.query import SearchDoc, compile_query

DOC = SearchDoc(
    label_ids=frozenset({"INBOX", "Label_1"}),
    label_keys=frozenset({"inbox", "label_1", "🤖-ai-done"}),
    sender="Alice <alice@example.com>",
    recipients="owner@example.com",
    cc="",
    subject="Invoice 42",
    text="Please pay",
    message_id="<m@x>",
    internal_ms=1_700_000_000_000,
    filenames=(),
)


@given(st.text(max_size=60))
def test_any_query_compiles_and_evaluates(q: str) -> None:
    query = compile_query(q, now_ms=1_700_000_000_000)
    assert query.matches(DOC) in (True, False)


@given(st.text(max_size=30))
def test_label_key_is_idempotent(name: str) -> None:
    assert label_key(label_key(name)) == label_key(name)


@given(st.sampled_from(["in:inbox", "label:🤖-ai-done", "from:alice", "subject:invoice", "pay"]))
def test_negation_inverts(term: str) -> None:
    now = 1_700_000_000_000
    assert compile_query(term, now_ms=now).matches(DOC)
    assert not compile_query("-" + term, now_ms=now).matches(DOC)


def test_unknown_operator_matches_nothing() -> None:
    assert not compile_query("frobnicate:yes").matches(DOC)


def test_spam_trash_detection() -> None:
    assert compile_query("in:spam").wants_spam_trash
    assert compile_query("in:anywhere").wants_spam_trash
    assert not compile_query("-in:trash").wants_spam_trash
