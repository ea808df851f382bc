"""SIGTERM while slow LLM calls are in flight: the server leaves in its grace period, holding no
job, and the next start finishes the work with nothing done twice.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from reliability_support import mail_mix, running_stack, wait_for  # type: ignore[import-not-found]

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

MAILS = 12


def test_sigterm_mid_run_releases_jobs_and_a_restart_finishes_them(tmp_path: Path) -> None:
    slow = {"classify": 2500, "draft": 4000}
    env = {"GMA_SERVER_SHUTDOWN_GRACE_SECONDS": "1"}
    with running_stack(tmp_path, env=env, latency_by_purpose=slow) as stack:
        stack.start()
        mails = mail_mix(stack.emulator, MAILS, seed=3)
        wait_for(lambda: stack.job_counts()["running"] >= 2, "jobs in flight")
        wait_for(lambda: stack.fake.in_flight >= 1, "an LLM call in flight")

        # It stops by itself (a SIGKILL fallback would show as -9), well before a hard kill.
        code = stack.terminate(timeout=30)
        assert code not in (-signal.SIGKILL, 137), stack.logs()[-2000:]
        counts = stack.job_counts()
        assert counts["running"] == 0, dict(counts)
        assert counts["pending"] >= 1, dict(counts)  # released or never started, not lost
        released = stack.rows(
            "SELECT COUNT(*) n FROM jobs WHERE status = 'pending' AND started_at IS NOT NULL"
        )
        assert released[0]["n"] >= 1, "no job in flight was handed back"

        stack.fake.latency_by_purpose.clear()
        stack.start()
        stack.sync()
        stack.wait_drained()
        stack.assert_each_mail_handled_once(mails, allow_error_drafts=False)
        assert stack.job_counts()["failed"] == 0
