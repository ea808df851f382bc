"""The disk under the SQLite file fills up, or turns read-only, mid-run.

Full: the database lives on a small tmpfs of its own; a filler file takes the last free byte
while mail keeps arriving. The server must stay up and healthy, answer the webhook without a
500, lose no mail (jobs wait or retry), and finish everything once space returns, exactly once.

Read-only: the database lives on an ext4 image (loop device, `errors=remount-ro`) and the
kernel is told the filesystem failed, as a failing disk would: from then on every write gets
EROFS. The server must stay up, refuse nothing with a 500 and lose nothing; once the disk is
repaired (the operator's fsck and remount, the pod's restart) everything is finished exactly
once. Both need `mount` (root with CAP_SYS_ADMIN); they skip with the reason otherwise.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability_support import OWNER, mail_mix, running_stack, wait_for  # type: ignore[import-not-found]

from gmail_emulator.push import push_envelope

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    try:
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError as exc:
        pytest.skip(f"cannot run mount: {exc}")
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, timeout=30)


@contextlib.contextmanager
def ext4_disk(folder: Path, image: Path) -> Iterator[Path]:
    """An ext4 filesystem on a loop device that goes read-only on the first error."""
    folder.mkdir()
    _run_or_skip(["truncate", "-s", "96M", str(image)], "create a disk image")
    _run_or_skip(["mkfs.ext4", "-q", "-F", str(image)], "make an ext4 filesystem")
    mount = ["mount", "-o", "loop,errors=remount-ro", str(image), str(folder)]
    _run_or_skip(mount, "mount a loop device")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, timeout=30)


def _run_or_skip(command: list[str], what: str) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except OSError as exc:
        pytest.skip(f"cannot {what}: {exc}")
    if result.returncode != 0:
        pytest.skip(f"cannot {what} here: {(result.stderr or result.stdout).strip()}")


def _loop_device(folder: Path) -> str:
    for line in Path("/proc/mounts").read_text().splitlines():
        device, mount_point, *_ = line.split()
        if mount_point == str(folder):
            return device
    raise AssertionError(f"{folder} is not mounted")


def fail_filesystem(folder: Path) -> None:
    """What a failing disk does to ext4 with errors=remount-ro: read-only from now on."""
    trigger = Path("/sys/fs/ext4") / Path(_loop_device(folder)).name / "trigger_fs_error"
    if not trigger.exists():
        pytest.skip(f"this kernel has no {trigger}")
    trigger.write_text("1")


def repair_filesystem(folder: Path, image: Path) -> None:
    """The operator's part: unmount, fsck, mount again read-write."""
    subprocess.run(["umount", str(folder)], check=True, timeout=60)
    fsck = subprocess.run(["e2fsck", "-fy", str(image)], capture_output=True, timeout=120)
    assert fsck.returncode in (0, 1, 2), fsck.stdout  # 1/2: errors corrected
    mount = ["mount", "-o", "loop,errors=remount-ro", str(image), str(folder)]
    subprocess.run(mount, check=True, timeout=60)


def fill(path: Path) -> int:
    """Write `path` until the filesystem says ENOSPC; returns the bytes written."""
    written = 0
    with path.open("wb", buffering=0) as filler:
        for chunk in (1 << 20, 4096, 512):
            block = b"\0" * chunk
            while True:
                try:
                    written += filler.write(block) or 0
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
    return written


def _work_in_flight(stack: Any, seed: int) -> tuple[list[Any], list[Any]]:
    """Ten mails handled, then thirty more queued behind a slow model: work in flight."""
    first = mail_mix(stack.emulator, 10, seed=seed)
    stack.sync()
    stack.wait_drained()
    stack.fake.latency_by_purpose.update(classify=400, context=400, draft=400)
    in_flight = mail_mix(stack.emulator, 30, seed=seed + 1)
    # Queued or running: a job waiting on the model runs without holding a worker slot.
    wait_for(lambda: _unfinished(stack) >= 10, "triage jobs queued or running")
    return first, in_flight


def _unfinished(stack: Any) -> int:
    counts = stack.job_counts()
    return int(counts["pending"] + counts["running"])


def _push_while_broken(stack: Any, server: Any, seed: int) -> list[Any]:
    """Mail arriving while the disk is broken: its push finds a sync already waiting (200,
    no write needed) or cannot enqueue one and is refused for redelivery (503); never 500."""
    during = mail_mix(stack.emulator, 5, seed=seed)
    history_id = int(stack.mailbox()["historyId"])
    push = httpx.post(
        f"{server.url}/webhook/gmail", json=push_envelope(OWNER, history_id), timeout=30
    )
    assert push.status_code in (200, 503), push.text
    # A 500 would come from an exception escaping a route: uvicorn logs it at ERROR.
    assert "Exception in ASGI application" not in stack.logs()
    assert httpx.get(f"{server.url}/api/health", timeout=10).status_code == 200
    assert server.process is not None and server.process.poll() is None, "server died"
    return during


def test_disk_full_mid_run_then_space_returns(tmp_path: Path) -> None:
    with (
        small_disk(tmp_path / "disk", "64m") as disk,
        running_stack(tmp_path, db_path=disk / "inbox.db") as stack,
    ):
        server = stack.start()
        first, in_flight = _work_in_flight(stack, seed=5)
        filler = disk / "filler"
        assert fill(filler) > 0
        # Jobs cannot record their work, nor then their own failure: the worker keeps trying
        # (before the fix, such a job stayed `running` under a live heartbeat for good).
        wait_for(
            lambda: (
                "could not record job outcome: OperationalError: database or disk is full"
                in stack.logs()
            ),
            "a job outcome to fail for lack of space",
        )
        during = _push_while_broken(stack, server, seed=7)

        stack.fake.latency_by_purpose.clear()
        os.unlink(filler)
        # Pushes answered 503 would be redelivered by Pub/Sub; the emulator does not retry,
        # so ask for the sync the fallback scheduler would run.
        wait_for(lambda: _sync_accepted(stack), "a sync to be accepted again", timeout=60)
        stack.wait_drained(timeout=240)

        assert server.process is not None and server.process.poll() is None, "server died"
        stack.assert_each_mail_handled_once(first + in_flight + during, allow_error_drafts=False)
        # Whether a job's own writes or only its outcome record hit the full disk depends on
        # which pages SQLite can still reuse in its WAL; either way nothing is lost or failed.
        counts = stack.job_counts()
        assert counts["running"] == 0 and counts["failed"] == 0, dict(counts)


def _sync_accepted(stack: object) -> bool:
    try:
        stack.sync()  # type: ignore[attr-defined]
    except AssertionError:
        return False
    return True


def test_disk_turns_read_only_mid_run_then_is_repaired(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    with (
        ext4_disk(tmp_path / "disk", image) as disk,
        running_stack(tmp_path, db_path=disk / "inbox.db") as stack,
    ):
        server = stack.start()
        first, in_flight = _work_in_flight(stack, seed=8)
        fail_filesystem(disk)
        # Writes now fail: jobs cannot record their work (nor their failure) and keep trying.
        wait_for(lambda: "could not record job outcome" in stack.logs(), "a write to fail")
        during = _push_while_broken(stack, server, seed=10)

        # A read-only ext4 does not come back by itself: the pod dies, the disk is repaired,
        # the pod starts again on the same file.
        stack.kill()
        repair_filesystem(disk, image)
        stack.fake.latency_by_purpose.clear()
        stack.start()
        stack.sync()  # what the fallback scheduler (or the redelivered push) asks for
        stack.wait_drained(timeout=240)

        stack.assert_each_mail_handled_once(first + in_flight + during, allow_error_drafts=False)
        counts = stack.job_counts()
        assert counts["running"] == 0 and counts["failed"] == 0, dict(counts)
