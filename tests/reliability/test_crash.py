"""kill -9 the real server several times while 200 mails are in flight; nothing lost, nothing twice.

Each restart reuses the same SQLite file. Jobs the dead process held come back when their
lease (3 s here) runs out; pushes the emulator sent while the server was down are lost, so
each restart asks for one sync, as the fallback scheduler would.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from reliability_support import mail_mix, running_stack  # type: ignore[import-not-found]

# Four server starts: on a loaded 2-core machine each start alone can take half a minute.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

MAILS = 200
KILLS = 3
SEED = 7


def test_kill_9_mid_run_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    latency = {"classify": 50, "draft": 150, "rework": 150}
    with running_stack(tmp_path, latency_by_purpose=latency, seed=SEED) as stack:
        stack.start()
        mails = mail_mix(stack.emulator, MAILS, seed=SEED)
        kills_mid_work = 0
        for _ in range(KILLS):
            time.sleep(rng.uniform(1.0, 4.0))
            before = stack.job_counts()
            stack.kill()
            kills_mid_work += before["running"] > 0 or before["pending"] > 0
            stack.start()
            stack.sync()
        stack.wait_drained(timeout=240)

        # The kills really hit work in progress (otherwise this proves nothing).
        assert kills_mid_work >= KILLS - 1, "the kills landed on an idle queue"
        # Jobs the dead processes held ran again (a claim counts an attempt).
        rerun = stack.rows("SELECT COUNT(*) n FROM jobs WHERE attempts > 1")
        assert rerun[0]["n"] >= 1, "no job was ever taken back from a dead worker"

        stack.assert_each_mail_handled_once(mails, allow_error_drafts=False)
        counts = stack.job_counts()
        assert counts["running"] == 0 and counts["failed"] == 0, dict(counts)
        assert stack.events_per_thread("draft_created").most_common(1)[0][1] == 1
