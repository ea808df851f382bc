"""Worker slots: resuming jobs first, cancellation never loses or invents a slot."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmail_assistant.slots import Slots, holding, waiting

pytestmark = pytest.mark.anyio


async def test_a_resuming_job_gets_the_next_slot_before_a_new_claim() -> None:
    slots = Slots(1)
    await slots.acquire()
    order: list[str] = []

    async def take(name: str, resuming: bool) -> None:
        await slots.acquire(resuming=resuming)
        order.append(name)

    claim = asyncio.create_task(take("claim", False))
    await asyncio.sleep(0)
    resume = asyncio.create_task(take("resume", True))
    await asyncio.sleep(0)
    slots.release()  # one slot: the job coming back from its wait gets it
    await asyncio.sleep(0)
    assert order == ["resume"]
    slots.release()
    await asyncio.gather(claim, resume)
    assert order == ["resume", "claim"]
    assert slots.free == 0


async def test_a_cancelled_waiter_leaves_the_count_as_it_was() -> None:
    slots = Slots(1)
    await slots.acquire()
    waiter = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    slots.release()
    assert slots.free == 1


async def test_waiting_gives_the_slot_up_and_takes_one_back() -> None:
    slots = Slots(1)
    await slots.acquire()
    with holding(slots) as held:
        async with waiting():
            assert (held.held, slots.free) == (False, 1)
            await slots.acquire()  # another job works meanwhile …
            back = asyncio.ensure_future(asyncio.sleep(0))
            slots.release()  # … and is done
            await back
        assert (held.held, slots.free) == (True, 0)


async def test_waiting_outside_a_job_does_nothing() -> None:
    async with waiting():
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.lists(st.sampled_from(["take", "resume", "give", "cancel"])))
def test_the_free_count_never_leaves_its_bounds(size: int, steps: list[str]) -> None:
    async def scenario() -> None:
        slots = Slots(size)
        held = 0
        waiters: list[asyncio.Task[None]] = []
        for step in steps:
            if step in ("take", "resume"):
                waiters.append(asyncio.create_task(slots.acquire(resuming=step == "resume")))
            elif step == "give" and held:
                slots.release()
                held -= 1
            elif step == "cancel" and waiters:
                waiters.pop(0).cancel()
            await asyncio.sleep(0)
            done = [w for w in waiters if w.done()]
            for w in done:
                waiters.remove(w)
                if not w.cancelled():
                    held += 1
            assert 0 <= slots.free <= size
        for w in waiters:
            w.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        await asyncio.sleep(0)
        # Whatever got cancelled, every slot is free or held by a waiter that got one.
        late = sum(1 for w in waiters if w.done() and not w.cancelled())
        assert slots.free + held + late == size

    asyncio.run(scenario())
