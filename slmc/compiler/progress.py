"""What a long run shows while it works: one progress display on a terminal (a tqdm bar over the stages, messages
written above it), one line per stage otherwise (a log file, CI). The ML libraries stay quiet either way: their loggers
are raised to errors and their own progress bars are off, so nothing else writes to the terminal.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

NOISY_LOGGERS = (
    "transformers",
    "datasets",
    "trl",
    "sentence_transformers",
    "httpx",
    "httpcore",
    "accelerate",
    "huggingface_hub",
    "torch",
    "peft",
    "filelock",
    "urllib3",
)


def quiet_libraries() -> None:
    """Third-party loggers at ERROR and their progress bars off. Libraries not imported yet are set through their
    environment variables (read when they load), so a run that never needs transformers does not import it."""
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' own bars follow this one
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DATASETS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    if "datasets" in sys.modules:
        from datasets.utils import logging as ds_logging

        ds_logging.set_verbosity_error()
        ds_logging.disable_progress_bar()


class StageDisplay:
    """Stages of one run. ``start(name)`` then ``done(name, note)``; ``log(msg)`` for what a stage says meanwhile.

    On a TTY (and ``progress``): one tqdm bar, messages written above it. Otherwise one line per finished stage
    (``[3/9] curate 0.4s: 4800 -> 4548 records``); messages of a stage are shown only when ``verbose``."""

    def __init__(
        self,
        total: int,
        *,
        write: Callable[[str], None] | None = None,
        progress: bool = True,
        verbose: bool = False,
        tty: bool | None = None,
    ) -> None:
        """``write``: where lines go (default: stderr); ``tty``: whether stderr is a terminal (default: ask it)."""
        self.write = write or (lambda line: print(line, file=sys.stderr, flush=True))
        self.total = total
        self.verbose = verbose
        is_tty = tty if tty is not None else sys.stderr.isatty()
        self.bar: Any = None
        if progress and is_tty and total > 1:
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=sys.stderr, unit="stage", leave=False, dynamic_ncols=True)
        self.index = 0
        self._t0 = time.perf_counter()
        self.current: str | None = None

    @property
    def interactive(self) -> bool:
        return self.bar is not None

    def _write(self, line: str) -> None:
        if self.bar is not None:
            with self.bar.external_write_mode(file=sys.stderr):
                self.write(line)
        else:
            self.write(line)

    def start(self, name: str) -> None:
        self.current = name
        self._t0 = time.perf_counter()
        if self.bar is not None:
            self.bar.set_description_str(name)

    def done(self, name: str, note: str = "", seconds: float | None = None, cached: bool = False) -> None:
        self.index += 1
        took = "cached" if cached else f"{seconds if seconds is not None else time.perf_counter() - self._t0:.1f}s"
        line = f"[{self.index}/{self.total}] {name} {took}" + (f": {note}" if note else "")
        if self.bar is not None:
            self.bar.update(1)
        self._write(line)
        self.current = None

    def log(self, msg: str) -> None:
        """A message from inside a stage: above the bar on a TTY; on a log, only when verbose (the stage line sums
        it up)."""
        if self.bar is not None or self.verbose:
            self._write(("  " if self.current else "") + msg)

    def outside(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn`` (which prints) with the bar cleared, then redraw it."""
        if self.bar is None:
            return fn(*args)
        with self.bar.external_write_mode(file=sys.stderr):
            return fn(*args)

    def say(self, msg: str) -> None:
        """A message that is always shown (not part of a stage)."""
        self._write(msg)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def stage_note(name: str, before: int | None, after: int | None, dropped: dict[str, int] | None) -> str:
    """The count part of a stage line: records in -> out, and what was dropped, per reason."""
    parts = []
    if before is not None and after is not None and before != after:
        parts.append(f"{before} -> {after} records")
    if dropped:
        parts.append("dropped " + ", ".join(f"{r} {n}" for r, n in sorted(dropped.items(), key=lambda kv: -kv[1])))
    return "; ".join(parts)


__all__ = ["NOISY_LOGGERS", "StageDisplay", "quiet_libraries", "stage_note"]
