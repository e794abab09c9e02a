"""The ``slmc`` command line.

Each subcommand lives in ``slmc/compiler/commands/<name>.py`` exposing ``add_arguments(parser)`` and
``run(args) -> int``; modules are imported only when their command runs, so ``slmc lint`` stays light.
Errors the user can fix (``SlmcError``) print one message and exit 2; never a traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import traceback

from slmc import __version__
from slmc.errors import SlmcError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "lint": ("slmc.compiler.commands.lint", "flag LLM call sites a small model could serve (fast, static)"),
    "rule": ("slmc.compiler.commands.rule", "explain a lint rule, e.g. `slmc rule SLM101`"),
    "ir": ("slmc.compiler.commands.ir", "print the IR of an agent (text or JSON)"),
    "trace": ("slmc.compiler.commands.trace", "record an agent's LLM calls: slmc trace -- python agent.py"),
    "traces": ("slmc.compiler.commands.traces", "ingest, summarise and show trace files"),
    "analyze": ("slmc.compiler.commands.analyze", "cluster tasks, score offloadability, pick SLMs, write a report"),
    "train": ("slmc.compiler.commands.train", "fine-tune the SLMs of a plan"),
    "eval": ("slmc.compiler.commands.eval", "evaluate trained SLMs against the teacher and apply the quality gate"),
    "compile": ("slmc.compiler.commands.compile", "source + traces -> SLMs, rewritten agent and deployment bundle"),
    "monitor": ("slmc.compiler.commands.monitor", "live agreement, fallbacks, drift and cost of a deployed bundle"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slmc",
        description="Compile LLM agents into heterogeneous agents served partly by fine-tuned small language models.",
    )
    parser.add_argument("--version", action="version", version=f"slmc {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _take_debug(argv: list[str]) -> tuple[list[str], bool]:
    """``argv`` without its ``--debug`` flags, and whether there was one. Only the part before ``--`` counts; for
    ``slmc trace`` (whose command may come without ``--``) only the options before its first positional argument."""
    cmd_index = next((i for i, a in enumerate(argv) if a in COMMANDS), None)
    end = argv.index("--") if "--" in argv else len(argv)
    if cmd_index is not None and argv[cmd_index] == "trace":
        end = next((i for i in range(cmd_index + 1, end) if not argv[i].startswith("-")), end)
    debug = "--debug" in argv[:end]
    return [a for i, a in enumerate(argv) if not (a == "--debug" and i < end)], debug


def main(argv: list[str] | None = None) -> int:
    program = argv is None  # run as ``slmc`` / ``python -m slmc``: the process ends when this returns
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Parse only the global part; the subcommand builds its own parser lazily. ``--debug`` is accepted before or
    # after the subcommand, never past ``--`` (nor inside the command ``slmc trace`` runs).
    argv, debug = _take_debug(argv)
    cmd_index = next((i for i, a in enumerate(argv) if a in COMMANDS), None)
    if cmd_index is None:
        parser.parse_args(argv)  # handles --help / --version / errors
        parser.print_help()
        return 2
    name = argv[cmd_index]
    module_name, help_text = COMMANDS[name]
    try:
        module = importlib.import_module(module_name)
        sub = argparse.ArgumentParser(prog=f"slmc {name}", description=help_text)
        module.add_arguments(sub)
        if not any("--debug" in action.option_strings for action in sub._actions):
            sub.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
        args = sub.parse_args(argv[cmd_index + 1 :])
        args.debug = debug
        code = int(module.run(args) or 0)
        if program and name == "lint":
            # the process ends next; its last garbage collection would walk every object the analysis left (about
            # 2 s of CPU on a 1,000-file tree): moved out of the collector's sight, they are freed with the process
            gc.freeze()
        return code
    except SlmcError as exc:
        print(f"slmc {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"slmc {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # an internal error: one line, traceback only with --debug
        if debug:
            traceback.print_exc()
        print(
            f"slmc {name}: internal error: {type(exc).__name__}: {exc}\n"
            "  this is a bug in slmc; rerun with `slmc --debug ...` and report the traceback",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
