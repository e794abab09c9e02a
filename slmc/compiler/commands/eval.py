"""``slmc eval PLAN.json``: evaluate the trained SLMs against the teacher, calibrate thresholds, apply the gate.

Writes the results (``Task.eval``, decisions of tasks and sites) back into the plan (or ``--output``) and prints one
line per task. Exit 0 whatever the verdicts: keeping a task on the LLM is a result, not an error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slmc.ir.nodes import Task


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", type=Path, help="plan JSON after `slmc train`")
    parser.add_argument("--build", type=Path, default=None, help="build folder (default: as the plan records)")
    parser.add_argument("--output", type=Path, default=None, help="where to write the updated plan (default: in place)")
    parser.add_argument("--gate-target", type=float, default=None, help="required agreement with the LLM (0.95)")
    parser.add_argument("--max-fallback", type=float, default=None, help="largest acceptable fallback rate (0.5)")
    parser.add_argument("--device", default=None, help="auto | cpu | cuda (default: auto)")
    parser.add_argument("--batch-size", type=int, default=None, help="generation batch size (32)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def format_row(task: Task) -> str:
    result = task.eval
    if result is None or result.n == 0:
        return f"{task.id}: {task.decision or 'keep'} - {'; '.join(task.decision_reasons)}"
    truth = "" if result.ground_truth_accuracy is None else f" truth {result.ground_truth_accuracy:.3f}"
    threshold = "none" if result.threshold is None else f"{result.threshold:.3g}"
    return (
        f"{task.id}: {task.decision} | {result.metric} agreement {result.agreement:.3f}{truth} | accepted "
        f"{result.accepted_agreement:.3f} (lb {result.lower_bound:.3f}, n={result.n}) | threshold {threshold}, "
        f"fallback {100 * result.fallback_rate:.0f}%"
    )


def run(args: argparse.Namespace) -> int:
    from slmc.compiler.commands import run_settings
    from slmc.compiler.passmanager import PassContext, PassManager
    from slmc.errors import SlmcError
    from slmc.ir.unit import CompileUnit
    from slmc.training.plan_io import find_build_dir, load_plan, save_plan

    if args.gate_target is not None and not 0.0 < args.gate_target <= 1.0:
        raise SlmcError(f"--gate-target {args.gate_target} is not in (0, 1]", hint="e.g. --gate-target 0.95")
    keys = ("gate_target", "max_fallback", "device", "batch_size")
    settings = run_settings([args.plan], {key: getattr(args, key) for key in keys})  # over [tool.slmc]
    graph = load_plan(args.plan)
    if "trained" not in graph.meta.facts:
        raise SlmcError(f"{args.plan} has not been trained", hint=f"run `slmc train {args.plan}` first")
    build = find_build_dir(args.plan, graph, args.build)
    from slmc.compiler.progress import quiet_libraries

    quiet_libraries()
    ctx = PassContext(
        out_dir=build,
        settings=settings,
        progress=not args.no_progress and sys.stderr.isatty(),
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    graph = PassManager.from_spec("evaluate,gate", settings).run(ctx, CompileUnit(graph)).graph
    save_plan(graph, args.output or args.plan, build)  # records where its build folder is, from there
    for task in graph.tasks():
        print(format_row(task))
    return 0
