"""``slmc trace [--out traces.jsonl] [--root DIR] -- python agent.py [args]``: run a command with LLM-call capture.

The command runs as a subprocess with ``slmc/traces/boot`` first on ``PYTHONPATH``: its ``sitecustomize`` starts
capture in every Python process the command starts (the agent and its subprocesses), all appending to one trace file.
The agent's code is not changed; its exit code is passed through.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from slmc.compiler.diagnostics import SlmcError

BOOT_DIR = Path(__file__).resolve().parents[2] / "traces" / "boot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", "-o", type=Path, default=Path("traces.jsonl"), help="trace file to append to")
    parser.add_argument(
        "--root", type=Path, default=None, help="project root call-site paths are relative to (default: .)"
    )
    parser.add_argument("--fresh", action="store_true", help="empty the trace file first instead of appending")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after `--`")


def child_env(out: Path, root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BOOT_DIR), env.get("PYTHONPATH", "")) if p)
    env["SLMC_TRACE_OUT"] = str(out)
    env["SLMC_TRACE_ROOT"] = str(root)
    env["SLMC_TRACE_SYSPATH"] = str(BOOT_DIR.parents[2])  # where `import slmc` resolves in this interpreter
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
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        out.write_bytes(b"")
    offset = out.stat().st_size if out.exists() else 0
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the agent; we wait for it
    try:
        proc = subprocess.Popen(command, env=child_env(out, root))
        code = proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    _summary(out, offset)
    return 128 - code if code < 0 else code


def _summary(out: Path, offset: int) -> None:
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
