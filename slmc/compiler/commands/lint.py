"""``slmc lint [paths]``: flag LLM call sites a small model could serve, and prompt/request problems.

Flags follow ruff's: ``-`` / ``--stdin-filename`` read the source from stdin; ``--output-format``,
``--output-file``; ``--select`` / ``--extend-select`` / ``--ignore`` / ``--extend-ignore``; ``--exclude`` /
``--extend-exclude``; ``-q`` / ``-s`` / ``-v``; ``--color auto|always|never`` (``NO_COLOR`` / ``FORCE_COLOR``);
``--statistics``; ``--exit-zero``. Unlike ruff, findings have severities: ``--fail-on`` sets the lowest one that
fails the run (default ``warning``: the info-level offload findings SLM101-103 never fail a commit unless asked).

Exit codes (as ruff): 0 clean, only findings below ``--fail-on``, or ``--exit-zero``; 1 findings at or above
``--fail-on``; 2 bad command line or configuration.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from slmc.compiler.render import FAIL_ON, FORMATS, default_format, fails, render, render_statistics

STDIN = "-"


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "suppress findings with a comment on any line of the call: `# noqa: SLM203` (ruff's form; a bare `# noqa` "
        "suppresses all) or `# slmc: noqa: SLM2` (also prefixes and rule names); a directive that suppresses "
        "nothing is reported as SLM901 (unused-noqa). `slmc rule CODE` explains a rule."
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="files or folders to lint (default: .); `-` reads the source from stdin"
    )
    parser.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="the name of the file read from stdin (for messages, config and per-file-ignores); implies `-`",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output-format",
        choices=FORMATS,
        default=None,
        help="full (default; with source snippets), concise, json, sarif or github (env SLMC_OUTPUT_FORMAT)",
    )
    out.add_argument("-o", "--output-file", type=Path, metavar="PATH", help="write the output to PATH, not stdout")
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour full/concise output: auto (default) = on a terminal unless NO_COLOR is set",
    )
    out.add_argument("--statistics", action="store_true", help="print the number of findings per rule")
    out.add_argument(
        "-q", "--quiet", action="count", default=0, help="print findings only, no summary line (-qq: nothing)"
    )
    out.add_argument("-s", "--silent", action="store_true", help="print nothing; the exit code tells (as -qq)")
    out.add_argument(
        "-v", "--verbose", action="store_true", help="also print the config, files checked and time (stderr)"
    )
    rules = parser.add_argument_group("rule selection")
    rules.add_argument(
        "--select", type=_codes, action="extend", metavar="CODES", help="only these rules (replaces config)"
    )
    rules.add_argument(
        "--extend-select", type=_codes, action="extend", default=[], metavar="CODES", help="add these rules"
    )
    rules.add_argument("--ignore", type=_codes, action="extend", default=[], metavar="CODES", help="skip these rules")
    rules.add_argument(
        "--extend-ignore", type=_codes, action="extend", default=[], metavar="CODES", help="same as --ignore"
    )
    files = parser.add_argument_group("file selection")
    files.add_argument(
        "--exclude",
        type=_codes,
        action="extend",
        metavar="GLOBS",
        help="skip files and folders matching these globs (replaces the configured and default excludes)",
    )
    files.add_argument(
        "--extend-exclude", type=_codes, action="extend", default=[], metavar="GLOBS", help="skip these too"
    )
    status = parser.add_argument_group("exit status")
    status.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="lowest severity that fails the run (exit 1): info, warning (default; config `fail-on`) or error",
    )
    status.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--config", type=Path, default=None, help="pyproject.toml or slmc.toml to read settings from")
    cache = parser.add_argument_group("cache")
    cache.add_argument(
        "--no-cache",
        action="store_true",
        help="analyse the tree even when it is unchanged since the last run (env SLMC_NO_CACHE)",
    )
    cache.add_argument(
        "--cache-dir",
        type=Path,
        metavar="PATH",
        help="where findings of earlier runs are kept (default: $SLMC_CACHE_DIR, else ~/.cache/slmc/lint)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def use_color(choice: str, stream: object) -> bool:
    """``--color``: always / never, or auto = a terminal, unless ``NO_COLOR`` is set (``FORCE_COLOR`` forces it)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def _read_stdin() -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream (tests, embedding)
        return (sys.stdin.read() if sys.stdin else "").encode("utf-8")
    return stream.read()


def run(args: argparse.Namespace) -> int:
    from slmc.errors import SlmcError
    from slmc.lint.api import lint_paths

    started = time.perf_counter()
    fmt = args.output_format or default_format()
    if fmt not in FORMATS:
        raise SlmcError(
            f"unknown output format {fmt!r} (from SLMC_OUTPUT_FORMAT)", hint=f"use one of {', '.join(FORMATS)}"
        )
    paths = list(args.paths)
    stdin = None
    if STDIN in (str(p) for p in paths) or (args.stdin_filename and not paths):
        if len(paths) > 1:
            raise SlmcError("`-` (stdin) cannot be combined with other paths", hint="lint stdin and files separately")
        stdin = _read_stdin()
        paths = []
    quiet = 2 if args.silent else args.quiet
    report = lint_paths(
        paths,
        config_file=args.config,
        select=args.select,
        extend_select=args.extend_select,
        ignore=[*args.ignore, *args.extend_ignore],
        exclude=args.exclude,
        extend_exclude=args.extend_exclude,
        stdin=stdin,
        stdin_filename=args.stdin_filename,
        cache=False if args.no_cache else (args.cache_dir or True),
    )
    fail_on = args.fail_on or (report.config.lint.fail_on if report.config else "warning")
    failing = fails(report.diagnostics, fail_on)
    target = sys.stdout if args.output_file is None else None
    color = use_color(args.color, target) if target is not None else args.color == "always"
    if args.statistics:
        text = render_statistics(report.diagnostics)
    else:
        lines = report.sources
        text = render(
            report.diagnostics,
            fmt,
            root=report.root,
            lines_of=lambda p: lines.get(p, ()),
            suppressed=report.suppressed,
            color=color,
            summary=quiet == 0,
            fail_on=fail_on,
        )
    if quiet < 2 and text:
        if args.output_file is None:
            print(text)
        else:
            _write_output(args.output_file, text + "\n")
    if args.verbose:
        source = report.config.path if report.config and report.config.path else "none (defaults)"
        print(
            f"slmc lint: config {source}; root {report.root}; {len(report.files)} file(s) checked in "
            f"{time.perf_counter() - started:.2f} s; {len(report.diagnostics)} finding(s), "
            f"{report.suppressed} suppressed by noqa; fail-on {fail_on}: exit {int(failing and not args.exit_zero)}",
            file=sys.stderr,
        )
    if args.exit_zero or not failing:
        return 0
    return 1


def _write_output(path: Path, text: str) -> None:
    from slmc.errors import SlmcError

    try:
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SlmcError(f"cannot write --output-file: {exc.strerror or exc}", path=str(path)) from None
