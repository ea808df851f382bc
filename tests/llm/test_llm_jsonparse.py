from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmail_assistant.llm import LlmResponseError, extract_json_object

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
objects = st.dictionaries(st.text(max_size=10), values, max_size=6)
# Prose around the object: anything without braces (prose holding a JSON object of its own
# is ambiguous by nature, and the first object wins).
prose = st.text(alphabet=st.characters(blacklist_characters="{}`"), max_size=60)


@settings(max_examples=150, deadline=None)
@given(
    obj=objects, before=prose, after=prose, fenced=st.booleans(), indent=st.sampled_from([None, 2])
)
def test_any_object_in_prose_or_fences_comes_back_equal(
    obj: dict[str, object], before: str, after: str, fenced: bool, indent: int | None
) -> None:
    body = json.dumps(obj, indent=indent, ensure_ascii=False)
    if fenced:
        body = f"```json\n{body}\n```"
    assert extract_json_object(f"{before}{body}{after}") == obj


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Here you go:\n```json\n{"a": "}{"}\n```\nAnything else?', {"a": "}{"}),
        ('```\n{"a": [1, 2]}\n```', {"a": [1, 2]}),
        (
            'Sure! {"reasoning": "uses {braces} and \\"quotes\\"", "n": {"m": 2}} done',
            {
                "reasoning": 'uses {braces} and "quotes"',
                "n": {"m": 2},
            },
        ),
        ('{"a": 1, "b": [1, 2,],}', {"a": 1, "b": [1, 2]}),
        ('{"text": "a, }"  ,}', {"text": "a, }"}),
        ('the set {x} then {"ok": true}', {"ok": True}),
    ],
)
def test_tolerated_shapes(text: str, expected: dict[str, object]) -> None:
    assert extract_json_object(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("no json here", "no JSON object"),
        ("[1, 2, 3]", "no JSON object"),
        ('{"a": 1', "does not parse"),
        ("Sure! {not json at all", "does not parse"),
    ],
)
def test_unusable_answers_raise_with_a_reason(text: str | None, reason: str) -> None:
    with pytest.raises(LlmResponseError, match=reason):
        extract_json_object(text)
