"""`slmc compile agent.py --traces ... --target ... --out build/`: the whole pipeline, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from slmc.compiler.commands import add_licence_argument, run_settings
from slmc.compiler.driver import CompileOptions, compile_agent, format_summary, target_names, write_summary_json
from slmc.errors import Diagnostic, Severity


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", type=Path, help="the agent's entry file(s) or package folder")
    parser.add_argument("--traces", nargs="+", type=Path, required=True, help="trace files (any supported format)")
    parser.add_argument(
        "--target", choices=target_names(), default=None, help="serving target of the bundle (default: hf)"
    )
    parser.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    parser.add_argument("--root", type=Path, help="project root site ids are relative to (default: the agent's folder)")
    parser.add_argument("--emit", choices=("ir", "plan", "bundle"), default="bundle", help="stop after this stage")
    parser.add_argument("--pipeline", help="pass pipeline, e.g. 'triage,link-traces,scrub-pii,...'")
    parser.add_argument("--print-ir-after-all", action="store_true", help="print the IR after every pass")
    parser.add_argument(
        "--base-model", default=None, help="SLM base for every task: hub id, local path or scratch:<size>"
    )
    parser.add_argument(
        "--gate-target", type=float, default=None, help="required agreement with the LLM (default 0.95)"
    )
    parser.add_argument(
        "--train-budget",
        type=float,
        metavar="SECONDS",
        help="safety cap per task's training (default: none): CPU seconds for encoder heads on the CPU, else wall time",
    )
    parser.add_argument("--max-params", help="largest SLM to consider, e.g. 3B")
    add_licence_argument(parser)
    parser.add_argument("--gpu-memory", type=float, help="GPU memory of the serving machine in GB")
    parser.add_argument("--cpu-only", action="store_true", default=None, help="plan for CPU serving and training")
    parser.add_argument("--device", default=None, help="training device (cpu, cuda); default: cuda when available")
    parser.add_argument("--in-place", action="store_true", help="rewrite the agent's files in place (else into --out)")
    parser.add_argument("--fresh", action="store_true", help="ignore cached stages and start over")
    parser.add_argument(
        "--from",
        dest="reuse_from",
        type=Path,
        default=None,
        metavar="BUNDLE",
        help="a deployed bundle: reuse its model for every task whose data and plan did not change, retrain the rest, "
        "and write the decisions that changed (report/decision-diff.json)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument("--verbose", "-v", action="store_true", help="also show what each stage says while it runs")


def _print_diagnostic(d: Diagnostic) -> None:
    if d.severity != Severity.INFO:
        print(d.concise(), file=sys.stderr, flush=True)


def _print_decision_diff(path: Path) -> None:
    import json

    if not path.is_file():
        return
    diff = json.loads(path.read_text(encoding="utf-8"))
    for change in diff["changed"]:
        reasons = "; ".join(change["after_reasons"][:2])
        print(
            f"decision changed: {change['site']}: {change['before']} -> {change['after']}"
            + (f" ({reasons})" if reasons else "")
        )
    print(f"decisions: {len(diff['changed'])} changed, {diff['unchanged']} unchanged since the deployed bundle")


CLI_SETTINGS = ("target", "gate_target", "licence", "cpu_only", "base_model", "max_params", "gpu_memory", "device")


def run(args: argparse.Namespace) -> int:
    cli = {key: getattr(args, key) for key in CLI_SETTINGS}
    cli["train_budget"] = args.train_budget
    if args.reuse_from is not None:
        from slmc.training.reuse import check_bundle

        cli["reuse_from"] = str(check_bundle(args.reuse_from).resolve())  # fail before any work
    settings = run_settings(args.sources, cli)  # the command line over [tool.slmc] of the agent's pyproject.toml
    # --cpu-only is a constraint, not a base: encoder heads stay the choice where they fit, and a generative task whose
    # chosen SLM cannot be loaded here trains plan-finetune's CPU stand-in (scratch:tiny)
    opts = CompileOptions(
        sources=args.sources,
        traces=args.traces,
        out=args.out,
        root=args.root,
        target=settings.target or "hf",
        emit=args.emit,
        pipeline=args.pipeline,
        print_ir_after_all=args.print_ir_after_all,
        settings=settings,
        in_place=args.in_place,
        progress=not args.no_progress,
        fresh=args.fresh,
        verbose=args.verbose,
    )
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    result = compile_agent(opts, log=log, report=_print_diagnostic)  # warnings show as raised, before any failure
    write_summary_json(result)
    print(format_summary(result.summary))
    where = result.bundle or result.out
    if args.reuse_from is not None and result.bundle is not None:
        _print_decision_diff(result.bundle / "report" / "decision-diff.json")
    print(f"wrote {where}")
    return 0
