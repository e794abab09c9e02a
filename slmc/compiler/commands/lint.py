"""``slmc lint [paths]``: flag LLM call sites a small model could serve, and prompt/request problems.

Exit codes (as ruff): 0 clean (or ``--exit-zero``), 1 findings, 2 bad command line or configuration.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from slmc.compiler.render import FORMATS, default_format, render, render_statistics


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to lint (default: .)")
    parser.add_argument(
        "--output-format",
        choices=FORMATS,
        default=None,
        help="full (default; with source snippets), concise, json, sarif or github (env SLMC_OUTPUT_FORMAT)",
    )
    parser.add_argument(
        "--select", type=_codes, action="extend", metavar="CODES", help="only these rules (replaces config)"
    )
    parser.add_argument("--extend-select", type=_codes, action="extend", default=[], metavar="CODES")
    parser.add_argument("--ignore", type=_codes, action="extend", default=[], metavar="CODES", help="skip these rules")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--statistics", action="store_true", help="print the number of findings per rule")
    parser.add_argument("--config", type=Path, default=None, help="pyproject.toml or slmc.toml to read settings from")


def run(args: argparse.Namespace) -> int:
    from slmc.passes.lint.api import lint_paths

    fmt = args.output_format or default_format()
    if fmt not in FORMATS:
        from slmc.compiler.diagnostics import SlmcError

        raise SlmcError(
            f"unknown output format {fmt!r} (from SLMC_OUTPUT_FORMAT)", hint=f"use one of {', '.join(FORMATS)}"
        )
    report = lint_paths(
        args.paths,
        config_file=args.config,
        select=args.select,
        extend_select=args.extend_select,
        ignore=args.ignore,
    )
    if args.statistics:
        text = render_statistics(report.diagnostics)
        if text:
            print(text)
    else:
        lines = report.sources
        print(
            render(
                report.diagnostics,
                fmt,
                root=report.root,
                lines_of=lambda p: lines.get(p, ()),
                suppressed=report.suppressed,
            )
        )
    if args.exit_zero or not report.diagnostics:
        return 0
    return 1
