"""The fake server's own contract: OpenAI's response shape and its scripting surface."""

from __future__ import annotations

import json

import httpx

from gmail_assistant_testing.fake_llm import FakeLlm, ToolCall, run_fake_llm

CLASSIFY = {"role": "system", "content": "Task: classify an email (prompt classify.v1)"}


def _chat(base: str, path: str = "/v1/chat/completions", **body: object) -> httpx.Response:
    payload: dict[str, object] = {
        "model": "x",
        "messages": [CLASSIFY, {"role": "user", "content": "Invoice due"}],
    }
    payload.update(body)
    root = base.removesuffix("/v1")
    return httpx.post(root + path, json=payload, timeout=5)


def test_openai_response_shape_on_both_paths(fake: FakeLlm) -> None:
    for path in ("/v1/chat/completions", "/chat/completions"):
        data = _chat(fake.base_url, path).json()
        assert data["object"] == "chat.completion" and data["id"].startswith("chatcmpl-")
        assert data["model"] == "x" and isinstance(data["created"], int)
        [choice] = data["choices"]
        assert choice["index"] == 0 and choice["finish_reason"] == "stop"
        assert choice["message"]["role"] == "assistant"
        assert '"payment_request"' in choice["message"]["content"]
        usage = data["usage"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert [r.path for r in fake.requests] == ["/v1/chat/completions", "/chat/completions"]
    assert fake.requests[0].purpose == "classify"


def test_http_control_surface(fake: FakeLlm) -> None:
    root = fake.base_url.removesuffix("/v1")
    httpx.post(f"{root}/_fake/faults", json={"status": 503, "count": 2})
    assert [_chat(fake.base_url).status_code for _ in range(3)] == [503, 503, 200]
    error = httpx.post(f"{root}/_fake/faults", json={"status": 429})
    assert error.status_code == 200
    body = _chat(fake.base_url).json()
    assert body["error"]["type"] == "rate_limit_exceeded"
    assert httpx.get(f"{root}/_fake/stats").json() == {"requests": 4, "max_in_flight": 1}
    httpx.post(f"{root}/_fake/reset")
    assert httpx.get(f"{root}/_fake/stats").json()["requests"] == 0


def test_tool_call_turns_in_openai_format(fake: FakeLlm) -> None:
    fake.queue_tool_calls(
        ToolCall("read_thread", {"thread_id": "t1"}), ToolCall("escalate", "{broken")
    )
    root = fake.base_url.removesuffix("/v1")
    spec = {"tool_calls": [{"name": "search_mailbox", "arguments": {"q": "from:x"}}]}
    httpx.post(f"{root}/_fake/faults", json={**spec, "content": "looking"})
    first, second, third = (_chat(fake.base_url).json() for _ in range(3))
    [choice] = first["choices"]
    assert choice["finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["role"] == "assistant" and message["content"] is None
    read, escalate = message["tool_calls"]
    assert read["id"] == "call_0" and read["type"] == "function"
    assert read["function"]["name"] == "read_thread"
    assert json.loads(read["function"]["arguments"]) == {"thread_id": "t1"}
    assert escalate["id"] == "call_1" and escalate["function"]["arguments"] == "{broken"
    assert first["usage"]["completion_tokens"] > 0
    [search] = second["choices"][0]["message"]["tool_calls"]
    assert second["choices"][0]["message"]["content"] == "looking"
    assert search["function"]["name"] == "search_mailbox"
    assert third["choices"][0]["finish_reason"] == "stop"  # the script is used up


def test_fault_rate_is_seeded_and_reproducible() -> None:
    outcomes = []
    for _ in range(2):
        with run_fake_llm(seed=7) as fake:
            fake.fail_rate(0.5, status=500)
            outcomes.append([_chat(fake.base_url).status_code for _ in range(12)])
    assert outcomes[0] == outcomes[1]
    assert {500, 200} == set(outcomes[0])
