"""``slmc trace [--out traces.jsonl] [--root DIR] -- python agent.py [args]``: run a command with LLM-call capture.

The command runs as a subprocess with ``slmc/traces/boot`` first on ``PYTHONPATH``: its ``sitecustomize`` starts
capture in every Python process the command starts (the agent and its subprocesses), all appending to one trace file.
The agent's code is not changed; its exit code is passed through, except that a run in which capture could not start
(the agent's interpreter failed to import capture, or no Python process of the command started it) exits 3 with what
to do: a trace run that silently records nothing would feed the next stage an empty or stale trace file.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from slmc.errors import SlmcError

BOOT_DIR = Path(__file__).resolve().parents[2] / "traces" / "boot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", "-o", type=Path, default=Path("traces.jsonl"), help="trace file to append to")
    parser.add_argument(
        "--root", type=Path, default=None, help="project root call-site paths are relative to (default: .)"
    )
    parser.add_argument("--fresh", action="store_true", help="empty the trace file first instead of appending")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after `--`")


CAPTURE_FAILED = 3


def child_env(out: Path, root: Path, status: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BOOT_DIR), env.get("PYTHONPATH", "")) if p)
    env["SLMC_TRACE_OUT"] = str(out)
    env["SLMC_TRACE_ROOT"] = str(root)
    env["SLMC_TRACE_SYSPATH"] = str(BOOT_DIR.parents[2])  # the folder holding this `slmc` (never put on sys.path)
    if status is not None:
        env["SLMC_TRACE_STATUS"] = str(status)
    else:
        env.pop("SLMC_TRACE_STATUS", None)
    return env


def run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise SlmcError("no command to run", hint="give the agent's command after `--`: slmc trace -- python agent.py")
    if shutil.which(command[0]) is None and not Path(command[0]).exists():
        raise SlmcError(f"command not found: {command[0]}", hint="check the spelling, or give the full path")
    out = args.out.resolve()
    root = (args.root or Path.cwd()).resolve()
    if not root.is_dir():
        raise SlmcError(f"--root is not a folder: {args.root}", hint="give the agent's project folder")
    from slmc.compiler.config import load_config

    load_config([root])  # [tool.slmc] is checked (a typo is an error naming file and line) before the agent runs
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        out.write_bytes(b"")
    offset = out.stat().st_size if out.exists() else 0
    with tempfile.TemporaryDirectory(prefix="slmc-trace-") as tmp:
        status = Path(tmp) / "status.jsonl"  # each Python process of the command says whether capture started
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the agent; we wait for it
        try:
            proc = subprocess.Popen(command, env=child_env(out, root, status))
            code = proc.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
        total = _summary(out, offset)
        failed = _check_capture(_read_status(status), total, command)
    code = 128 - code if code < 0 else code
    return CAPTURE_FAILED if failed and code == 0 else code


def _read_status(path: Path) -> list[dict]:
    import json

    rows: list[dict] = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return rows
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _check_capture(rows: list[dict], total: int, command: list[str]) -> bool:
    """Tell the user when capture did not run where the agent did; True when that makes the run a failure."""
    starts = [r for r in rows if r.get("event") == "start"]
    failures = [r for r in starts if not r.get("ok")]
    say = functools.partial(print, file=sys.stderr)
    if failures:
        exes = sorted({str(r.get("exe") or "?") for r in failures})
        say(f"slmc trace: error: capture could not start in {len(failures)} of {len(starts)} Python process(es):")
        for row in failures[:5]:
            say(f"  {row.get('exe') or '?'} (pid {row.get('pid')}): {row.get('error') or 'not started'}")
        say(
            "  hint: capture runs inside the agent's interpreter and needs only the standard library and slmc's own "
            f"files ({BOOT_DIR.parents[1]}); run the agent with Python 3.11 or newer, or install slmc into the "
            f"agent's environment (`{exes[0]} -m pip install -e {BOOT_DIR.parents[2]}`) and run "
            f"`{exes[0]} -m slmc trace -- ...`"
        )
        return True
    if not starts:
        say(
            f"slmc trace: error: no Python process of `{' '.join(command)}` started capture, so no call could be "
            "recorded.\n  hint: give a command that runs Python (slmc trace -- python agent.py); an interpreter "
            "started with -I, -E or -S ignores PYTHONPATH and sitecustomize, so drop those flags for the trace run"
        )
        return True
    if total == 0:
        sdks = sorted({s for r in rows if r.get("event") == "exit" for s in r.get("sdks") or ()})
        if sdks:
            say(
                f"slmc trace: warning: {', '.join(sdks)} imported but no LLM call recorded; capture patches "
                "chat.completions.create/parse, responses.create, messages.create/stream and litellm.completion — "
                "calls through other APIs (raw HTTP, with_raw_response, another client library) are not seen"
            )
        else:
            say("slmc trace: warning: no LLM SDK (openai, anthropic, litellm) was imported; no call was recorded")
    return False


def _summary(out: Path, offset: int) -> int:
    """One line per call site recorded by this run."""
    import json

    sites: Counter[str] = Counter()
    errors = 0
    if out.exists():
        with open(out, "rb") as fh:
            fh.seek(offset)
            for raw in fh:
                try:
                    data = json.loads(raw)
                except ValueError:
                    continue
                sites[data.get("site_id") or "<no site in project>"] += 1
                errors += bool(data.get("error"))
    total = sum(sites.values())
    print(f"slmc trace: recorded {total} LLM calls ({errors} errors) to {out}", file=sys.stderr)
    for site, count in sites.most_common(10):
        print(f"  {count:6d}  {site}", file=sys.stderr)
    if len(sites) > 10:
        print(f"  ... and {len(sites) - 10} more sites", file=sys.stderr)
    return total
