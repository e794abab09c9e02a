"""``slmc ir agent.py [--json] [--pipeline triage] [--print-ir-after-all]``: the agent graph after the frontend and
optional passes, as stable text or JSON. Frontend problems go to stderr; exit 1 when a file could not be analysed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, help="agent files or folders")
    parser.add_argument("--json", action="store_true", help="print the IR as JSON instead of text")
    parser.add_argument("--pipeline", default="", help="passes to run after the frontend, e.g. triage")
    parser.add_argument(
        "--print-ir-after-all", action="store_true", help="print the IR after the frontend and each pass"
    )
    parser.add_argument("--config", type=Path, default=None, help="pyproject.toml or slmc.toml ([tool.slmc])")
    parser.add_argument("--no-verify", action="store_true", help="do not verify the IR after each pass")


def run(args: argparse.Namespace) -> int:
    from slmc.compiler.config import load_config
    from slmc.compiler.passmanager import PassContext, PassManager, parse_pipeline
    from slmc.compiler.settings import Settings
    from slmc.frontend import analyze_paths
    from slmc.ir.serialize import dumps, print_graph
    from slmc.ir.unit import CompileUnit
    from slmc.lint.api import discover_files

    config = load_config(args.paths, args.config)
    settings = Settings.layered(config=config.options)
    passes = (
        parse_pipeline(args.pipeline, settings) if args.pipeline.strip() else []
    )  # bad pipelines fail before analysing
    for path in args.paths:
        if not os.path.lexists(path):  # a dangling link or a loop is an E003 diagnostic, not a missing path
            from slmc.errors import SlmcError

            raise SlmcError(f"{str(path)!r}: no such file or directory")
    graph, diagnostics = analyze_paths(discover_files(args.paths, config), root=config.root)
    for diag in diagnostics:
        print(diag.concise(), file=sys.stderr)
    dump_stream = sys.stderr if args.json else sys.stdout

    def dump(text: str) -> None:
        print(text, file=dump_stream, end="" if text.endswith("\n") else "\n")

    if args.print_ir_after_all:
        dump(f"// ----- IR after frontend -----\n{print_graph(graph)}")
    if passes:
        ctx = PassContext(root=config.root, settings=settings)
        manager = PassManager(
            passes, verify=not args.no_verify, print_ir_after_all=args.print_ir_after_all, printer=dump
        )
        graph = manager.run(ctx, CompileUnit(graph)).graph
        for diag in ctx.diagnostics:
            print(diag.concise(), file=sys.stderr)
    if args.json:
        print(dumps(graph))
    elif not args.print_ir_after_all:
        print(print_graph(graph), end="")
    return 1 if any(d.code.startswith("E") for d in diagnostics) else 0
