"""A progress bar on standard error that appears only when a run lasts over a second."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

DELAY_SECONDS = 1.0


class DelayedProgress:
    def __init__(self, label: str) -> None:
        self._label = label
        self._started = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._console = Console(stderr=True)

    def update(self, done: int, total: int) -> None:
        if self._progress is None:
            if time.monotonic() - self._started < DELAY_SECONDS or not self._console.is_terminal:
                return
            self._progress = Progress(
                TextColumn(self._label),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._label, total=total)
        if self._task is not None:
            self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


@contextmanager
def delayed_progress(label: str) -> Iterator[DelayedProgress]:
    progress = DelayedProgress(label)
    try:
        yield progress
    finally:
        progress.close()
