"""The composition root: `build_container(settings)` builds the whole object graph once, for
the server and the CLI alike, and returns it as one frozen `Container`.

- `build`: the shared parts (database, queue, workers, users, Gmail) and the order the rest
  is built in; the scheduler gets its final task list there.
- `sync`, `flows`, `agent`: one build function per flow, each taking exactly what it uses.

Nothing below this package imports it; only the entry points (`app`, `cli`) and the HTTP
surfaces (`api`, `web`, which read the container from the app's state) do.
"""

from gmail_assistant.container.build import build_container
from gmail_assistant.container.services import Container
from gmail_assistant.container.sync import SyncComponents

__all__ = ["Container", "SyncComponents", "build_container"]
