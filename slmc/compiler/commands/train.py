"""``slmc train PLAN.json [--resume]``: fine-tune the SLM of every planned task and record the results in the plan.

The plan is the IR JSON after ``plan-finetune``; dataset paths in it are relative to the build folder (``--build``,
default: the folder the plan records, else the plan's folder). Models go to ``<build>/models/<task>/``; the updated IR is written back to the plan
(or ``--output``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", type=Path, help="plan JSON (IR after plan-finetune)")
    parser.add_argument("--build", type=Path, default=None, help="build folder (default: as the plan records)")
    parser.add_argument("--output", type=Path, default=None, help="where to write the updated plan (default: in place)")
    parser.add_argument("--resume", action="store_true", help="reuse finished tasks, continue interrupted ones")
    parser.add_argument("--device", default=None, help="auto | cpu | cuda (default: auto)")
    parser.add_argument(
        "--train-budget",
        type=float,
        metavar="SECONDS",
        help="safety cap per task (default: none): CPU seconds for encoder heads on the CPU, else wall time",
    )
    parser.add_argument("--task", action="append", default=[], help="train only this task id (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from slmc.compiler.commands import run_settings
    from slmc.compiler.passmanager import PassContext, PassManager, parse_pipeline
    from slmc.errors import SlmcError
    from slmc.ir.unit import CompileUnit
    from slmc.training.plan_io import find_build_dir, load_plan, save_plan

    # the command line over [tool.slmc] (the closest pyproject.toml to the plan) over the defaults
    settings = run_settings([args.plan], {"device": args.device, "train_budget": args.train_budget})
    graph = load_plan(args.plan)
    build = find_build_dir(args.plan, graph, args.build)
    known = {t.id for t in graph.tasks()}
    unknown = [t for t in args.task if t not in known]
    if unknown:
        raise SlmcError(f"no task {unknown[0]!r} in the plan", hint=f"tasks: {', '.join(sorted(known)) or 'none'}")
    from slmc.training.trainer import multi_gpu_command

    command = multi_gpu_command(str(args.plan))
    if command:
        print(f"several GPUs found; to train on all of them run:\n  {command}", file=sys.stderr)
    from slmc.compiler.progress import quiet_libraries

    quiet_libraries()  # the training bar on a terminal is the one progress display; a log gets a line per task
    progress = not args.no_progress and sys.stderr.isatty()
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    ctx = PassContext(out_dir=build, settings=settings, progress=progress, log=log)
    (train,) = parse_pipeline("train", settings)
    train = dataclasses.replace(train, resume=args.resume, only=tuple(args.task))
    graph = PassManager([train]).run(ctx, CompileUnit(graph)).graph
    save_plan(graph, args.output or args.plan, build)  # records where its build folder is, from there
    for task in graph.tasks():
        if task.eval is not None and task.eval.adapter:
            print(f"{task.id}: {task.finetune.method if task.finetune else '?'} -> {build / task.eval.adapter} "
                  f"({task.eval.train_seconds:.1f}s)")  # fmt: skip
    return 0
