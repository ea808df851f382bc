"""Load mails into the emulator from a JSON or YAML seed file.

Accepted shapes (each mail takes the control API's ``deliver`` fields)::

    [ {mail}, ... ]                                   # into the default mailbox
    {"mails": [ {mail, optional "mailbox": email}, ... ]}
    {"mailboxes": {"owner@example.com": [ {mail}, ... ]}}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gmail_emulator.control import deliver_kwargs
from gmail_emulator.owner import Delivery
from gmail_emulator.state import EmulatorState

__all__ = ["load_seed", "read_seed_file"]


def read_seed_file(path: str | Path) -> Any:
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith((".yml", ".yaml")):
        import yaml

        return yaml.safe_load(text)
    return json.loads(text)


def _items(data: Any, default_email: str) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(data, list):
        return [(default_email, dict(mail)) for mail in data]
    if not isinstance(data, dict):
        raise ValueError("seed file must hold a list of mails or a mapping")
    items: list[tuple[str, dict[str, Any]]] = []
    for mail in data.get("mails") or []:
        mail = dict(mail)
        items.append((str(mail.pop("mailbox", default_email)), mail))
    for email, mails in (data.get("mailboxes") or {}).items():
        items.extend((str(email), dict(mail)) for mail in mails or [])
    return items


def load_seed(
    state: EmulatorState, data: Any, *, default_email: str | None = None
) -> list[Delivery]:
    """Deliver every mail of ``data`` (already parsed); returns the deliveries in order."""
    target = default_email or state.default_email
    return [state.deliver(email, **deliver_kwargs(mail)) for email, mail in _items(data, target)]
