"""In-process wake-up: "events were just committed for this directory".

The write path calls :meth:`CommitSignal.notify` after its transaction commits, from
whatever thread it runs in; the embedded delivery worker subscribes so an idle worker
starts delivering within milliseconds instead of waiting for its next poll. Other
processes learn the same through PostgreSQL ``NOTIFY`` or, on SQLite, by polling.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class CommitSignal:
    def __init__(self) -> None:
        self._listeners: list[Callable[[str], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def notify(self, directory_id: str) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(directory_id)
