"""Where each flow plugs its job handlers and periodic tasks into the container.

One function per flow package keeps the composition root readable: the container builds the
shared parts (database, queue, users, Gmail, LLM), and every flow adds what it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gmail_assistant.container import Container

__all__ = ["install"]


def install(container: Container) -> None:
    """Register every flow's job handlers and periodic tasks."""
    # Flows add their `install_*` call below.
    from gmail_assistant.sync.install import install_sync

    install_sync(container)
    from gmail_assistant.intelligence import install_intelligence

    install_intelligence(container)
    from gmail_assistant.style_learning.install import install_style_learning

    install_style_learning(container)
