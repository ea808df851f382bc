"""The tool loop through the real gateway and LiteLLM against the fake OpenAI server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, cast

import pytest
from agent_support import final, tool_calls

from gmail_assistant.agent.effects import DryRunEffects
from gmail_assistant.agent.loop import RunLimits, run_loop
from gmail_assistant.agent.tools import BUILTIN_TOOLS, FunctionTool, Tool, ToolContext
from gmail_assistant.llm import InMemoryRecorder, LlmGateway
from gmail_assistant.settings import LlmSettings
from gmail_assistant_testing.fake_llm import FakeLlm, Fault, run_fake_llm


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeLlm]:
    with run_fake_llm() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeLlm, monkeypatch: pytest.MonkeyPatch) -> FakeLlm:
    fake_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder-test-key")
    return fake_server


async def _echo(args: dict[str, Any], ctx: ToolContext) -> str:
    if args.get("fail"):
        raise RuntimeError("the stock service is down")
    if args.get("slow"):
        await asyncio.sleep(float(args["slow"]))
    return f"echo {sorted(args.items())}"


ECHO = FunctionTool("lookup", "Look something up.", {"type": "object"}, _echo, read_only=True)


def run(
    fake: FakeLlm, limits: RunLimits | None = None, model: str = "openai/fake-agent"
) -> tuple[Any, InMemoryRecorder, DryRunEffects]:
    recorder = InMemoryRecorder()
    settings = LlmSettings(api_base=fake.base_url, max_retries=1, timeout_seconds=5)
    gateway = LlmGateway(settings=settings, recorder=recorder, sleep=lambda _s: asyncio.sleep(0))
    effects = DryRunEffects()
    tools: dict[str, Tool] = {"lookup": ECHO, "create_draft": BUILTIN_TOOLS["create_draft"]}
    ctx = ToolContext(
        gmail=cast(Any, None), thread=cast(Any, None), inbound=cast(Any, None), effects=effects
    )
    outcome = asyncio.run(
        run_loop(
            gateway,
            model=model,
            system="You are a test agent.",
            user="<email_data>\nhello\n</email_data>",
            tools=tools,
            ctx=ctx,
            limits=limits or RunLimits(max_iterations=3),
        )
    )
    return outcome, recorder, effects


def test_tool_calls_run_and_results_go_back_to_the_model(fake: FakeLlm) -> None:
    fake.queue(
        tool_calls(("lookup", {"drug": "Ibuprofen"}), ("lookup", "{not json")),
        tool_calls(("lookup", {"fail": True}), ("no_such_tool", {})),
        tool_calls(("create_draft", {"body": "We have it in stock."})),
        final("Drafted a reply."),
    )
    outcome, recorder, effects = run(fake)
    assert outcome.status == "completed" and outcome.final_message == "Drafted a reply."
    assert outcome.iterations == 3 and outcome.turns == 4
    log = outcome.tool_calls
    assert [(c["tool"], c["iteration"]) for c in log] == [
        ("lookup", 1), ("lookup", 1), ("lookup", 2), ("no_such_tool", 2), ("create_draft", 3)
    ]  # fmt: skip
    assert log[0]["result"] == "echo [('drug', 'Ibuprofen')]"
    assert log[1]["arguments"] == {}  # unparseable arguments become {}
    assert log[2]["result"].startswith("Error: RuntimeError: the stock service is down")
    assert "no tool named 'no_such_tool'" in log[3]["result"]
    assert effects.notes == ["would write a draft:\nWe have it in stock."]
    # The model saw each result as a tool message answering its call.
    second = fake.requests[1].body["messages"]
    assert second[-2] == {"role": "tool", "tool_call_id": "call_0", "content": log[0]["result"]}
    assert fake.requests[0].body["tools"][0]["function"]["name"] == "lookup"
    # Every turn is one recorded call of purpose "agent".
    assert [r.purpose for r in recorder.records] == ["agent"] * 4
    assert all(r.ok for r in recorder.records)
    assert '"tool_call": "lookup"' in (recorder.records[0].response_text or "")
    assert recorder.records[0].system_prompt == "You are a test agent."


def test_max_iterations_stops_the_run(fake: FakeLlm) -> None:
    fake.queue(*[tool_calls(("lookup", {"n": i})) for i in range(4)])
    outcome, recorder, _ = run(fake, RunLimits(max_iterations=2))
    assert (outcome.status, outcome.iterations, len(outcome.tool_calls)) == ("max_iterations", 2, 2)
    assert len(recorder.records) == 3


def test_caps_end_the_run_as_error(fake: FakeLlm) -> None:
    fake.queue(tool_calls(("lookup", {}), ("lookup", {}), ("lookup", {})))
    outcome, _, _ = run(fake, RunLimits(max_tool_calls=2))
    assert outcome.status == "error" and "tool-call cap" in (outcome.error or "")
    assert len(outcome.tool_calls) == 2
    fake.queue(tool_calls(("lookup", {})))
    outcome, _, _ = run(fake, RunLimits(max_tokens=1))
    assert outcome.status == "error" and "token cap" in (outcome.error or "")
    assert outcome.tool_calls == []


def test_the_cost_cap_ends_the_run_as_error(fake: FakeLlm) -> None:
    # A priced model name (LiteLLM's cost map) answered by the fake: each turn costs.
    fake.queue(tool_calls(("lookup", {})), tool_calls(("lookup", {})), final("done"))
    outcome, recorder, _ = run(fake, RunLimits(max_cost_usd=1e-9), model="openai/gpt-4o-mini")
    assert recorder.records[0].cost_usd and recorder.records[0].cost_usd > 0
    assert outcome.status == "error" and "cost cap" in (outcome.error or "")
    assert outcome.tool_calls == [] and len(recorder.records) == 1


def test_a_slow_tool_times_out_and_the_model_is_told(fake: FakeLlm) -> None:
    fake.queue(tool_calls(("lookup", {"slow": 5})), final("The lookup timed out."))
    outcome, _, _ = run(fake, RunLimits(tool_timeout_seconds=0.2))
    assert outcome.status == "completed"
    assert outcome.tool_calls[0]["result"] == "Error: tool lookup timed out after 0.2 s."


def test_the_run_timeout_ends_the_run_as_error(fake: FakeLlm) -> None:
    fake.queue(tool_calls(("lookup", {})), Fault(content="late", delay_s=3))
    outcome, _, _ = run(fake, RunLimits(timeout_seconds=1))
    assert outcome.status == "error" and outcome.error == "run timed out after 1 s"
    assert len(outcome.tool_calls) == 1  # what happened before the timeout is kept


def test_a_failing_model_ends_the_run_as_error(fake: FakeLlm) -> None:
    fake.queue(Fault(status=400))
    outcome, recorder, _ = run(fake)
    assert outcome.status == "error" and "LlmBadRequest" in (outcome.error or "")
    assert recorder.records[0].error is not None
