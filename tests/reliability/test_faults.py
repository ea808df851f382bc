"""Gmail and the LLM misbehave all through a run: every mail is still handled, exactly once.

Gmail (the emulator) answers 20 % of calls with 429 (Retry-After), 500 or 503 and resets a
few connections, all with latency; the LLM answers 429/500 at a rate and a few calls outlast
the client timeout. LLM retries are cut to one so that some calls really exhaust them: those
must be visible (a fail-safe classification, an `[ERROR: …]` draft with a `draft_error`
event, or a failed job with its `last_error`), never silent and never duplicated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import mail_mix, running_stack  # type: ignore[import-not-found]

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

MAILS = 60
SEED = 11


def test_gmail_and_llm_faults_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    env = {"GMA_LLM_MAX_RETRIES": "1", "GMA_LLM_TIMEOUT_SECONDS": "2"}
    with running_stack(tmp_path, env=env, seed=SEED) as stack:
        stack.start()  # onboarding (labels, watch) before the faults start
        stack.emulator.set_faults(
            error_rate=0.2,
            statuses=[429, 500, 503],
            retry_after=1,
            latency_ms=10,
            latency_jitter_ms=40,
            reset_rate=0.03,
            seed=SEED,
        )
        stack.fake.delay_next(3, seconds=4)  # beyond GMA_LLM_TIMEOUT_SECONDS
        stack.fake.fail_rate(0.15, status=429)
        mails = mail_mix(stack.emulator, MAILS, seed=SEED)
        stack.sync()
        stack.wait_drained(timeout=240)
        injected = dict(stack.emulator.state.faults.injected)
        stack.emulator.clear_faults()
        stack.fake.fail_rate(0)

        # The faults really happened, on both sides.
        assert injected.get("reset", 0) >= 1 and injected.get("429", 0) >= 5, injected
        llm_errors = stack.rows("SELECT COUNT(*) n FROM llm_calls WHERE error IS NOT NULL")
        assert llm_errors[0]["n"] >= 5

        # One more question while the model is down for all of its calls (two tries each):
        # classify falls back to needs_response, the context step to none, the draft to an
        # `[ERROR: …]` draft the owner sees.
        stack.fake.fail_next(6, status=500)
        (doomed,) = mail_mix(stack.emulator, 1, seed=SEED + 1, questions=1.0)
        mails.append(doomed)
        stack.sync()
        stack.wait_drained()

        stack.assert_each_mail_handled_once(mails, allow_error_drafts=True)
        (detail,) = stack.rows(
            "SELECT detail FROM email_events WHERE thread_id = ? AND event_type = 'classified'",
            doomed.thread_id,
        )
        assert "failsafe" in detail["detail"]
        (draft,) = stack.drafts_by_thread()[doomed.thread_id]
        assert "[ERROR:" in draft["body"]

        # Where retries ran out, the owner or the operator can see it.
        failed = stack.rows("SELECT job_type, last_error FROM jobs WHERE status = 'failed'")
        assert all(row["last_error"] for row in failed), failed
        drafts = stack.drafts_by_thread()
        error_threads = {
            thread for thread, found in drafts.items() if found[0]["body"].count("[ERROR:")
        }
        draft_errors = set(stack.events_per_thread("draft_error"))
        assert error_threads == draft_errors
        assert stack.job_counts()["running"] == 0
