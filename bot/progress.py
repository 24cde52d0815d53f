"""The progress of an index build on a terminal: documents read, passages embedded; gone when it ends."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

# What each stage of the library's build (index.build.Progress) is called on screen.
STAGES = {"prepare": "Preparing the model", "read": "Reading documents", "split": "Splitting documents",
          "embed": "Embedding passages", "store": "Writing the index"}


def stage_label(stage: str) -> str:
    """A build stage in words: "embed 2/2" (the second of two models) reads "Embedding passages, model 2 of 2"."""
    name, _, part = stage.partition(" ")
    label = STAGES.get(name, stage)
    if part and name in STAGES:
        k, _, n = part.partition("/")
        label += f", model {k} of {n}"
    return label


class BuildProgress:
    """A progress callback for `build_index` that draws one transient bar on stderr, only on a terminal.

    Use it as a context manager: on leaving, also by Ctrl-C, the bar is cleared from the screen.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._stage: str | None = None

    def __enter__(self) -> BuildProgress:
        if self.console.is_terminal:
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeRemainingColumn(), console=self.console, transient=True)
            self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        """The library's progress callback: (stage, done, total)."""
        if self._progress is None:
            return
        if stage != self._stage or self._task is None:
            if self._task is not None:
                self._progress.remove_task(self._task)
            self._stage = stage
            self._task = self._progress.add_task(stage_label(stage), total=total or None)
        self._progress.update(self._task, completed=done, total=total or None)
