"""Seed files and the ``gmail-assistant emulator`` command."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from gmail_emulator.seed import load_seed, read_seed_file
from gmail_emulator.state import EmulatorState


def test_seed_shapes(tmp_path: Path) -> None:
    state = EmulatorState(seed_mailboxes=("a@example.com",))
    path = tmp_path / "seed.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "mails": [{"from": "x@example.com", "subject": "one", "body": "1"}],
                "mailboxes": {"b@example.com": [{"subject": "two", "body": "2", "sent": True}]},
            }
        )
    )
    delivered = load_seed(state, read_seed_file(path))
    assert len(delivered) == 2
    assert len(state.mailbox("a@example.com").messages) == 1
    assert next(iter(state.mailbox("b@example.com").messages.values())).label_ids == ("SENT",)
    as_list = tmp_path / "seed.json"
    as_list.write_text(json.dumps([{"subject": "three", "body": "3"}]))
    load_seed(state, read_seed_file(as_list))
    assert len(state.mailbox("a@example.com").messages) == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_serves_seeded_mailbox(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps([{"subject": "hello", "body": "from the seed"}]))
    port = _free_port()
    command = [sys.executable, "-c", "from gmail_assistant.cli import main; main()"]
    args = [
        "emulator",
        "--port",
        str(port),
        "--mailbox",
        "me@example.com",
        "--seed-file",
        str(seed),
    ]
    process = subprocess.Popen(
        [*command, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{url}/_emulator/health")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        response = httpx.get(
            f"{url}/gmail/v1/users/me/messages",
            headers={"Authorization": "Bearer emu:me@example.com"},
        )
        assert response.json()["resultSizeEstimate"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
