"""Fine-tune quality on public narrow tasks (/work/shared/data), through the real passes.

Each dataset stands in for one task of an agent's logged LLM calls (the teacher's answer = the dataset's answer in the
form an LLM returns it; ``record.label`` = ground truth). A hand-made AgentGraph with one site per task runs
``plan-finetune -> train -> evaluate -> gate`` on a scratch model built from config:

* ``banking77``       Banking77 intent classification (77 labels), generative scratch SLM
* ``banking77-head``  the same task with a classifier head on MiniLM sentence embeddings
* ``snips``           SNIPS GetWeather + AddToPlaylist slot extraction as a JSON object
* ``bfcl``            BFCL simple_python + live_simple tool calls (one function offered per call)

Prints per task: accuracy vs ground truth, agreement with the teacher, gate verdict, fallback rate at the calibrated
threshold, training seconds. CPU defaults cap rows and epochs so the whole run takes about 15 minutes on 2 cores.

    .venv/bin/python bench/finetune_quality.py                                   # CPU, scratch:tiny
    .venv/bin/python bench/finetune_quality.py --device cuda --size base --out results.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from slmc.compiler.passmanager import PassContext, PassManager  # noqa: E402
from slmc.ir.graph import AgentGraph  # noqa: E402
from slmc.ir.nodes import Contract, EdgeKind, LLMCall, Loc, SLMChoice, Task  # noqa: E402
from slmc.traces.record import TraceRecord  # noqa: E402

DATA = Path("/work/shared/data")
TASKS = ("banking77", "banking77-head", "snips", "bfcl")
# (train, validation, test) rows and epochs (0: the preset) per device.
CAPS = {
    "cpu": {"banking77": (3000, 300, 500, 4), "snips": (1200, 200, 200, 0), "bfcl": (400, 100, 150, 4)},
    "cuda": {"banking77": (9000, 1000, 3080, 8), "snips": (3600, 400, 200, 20), "bfcl": (450, 100, 200, 40)},
}
BANKING_SYSTEM = "Classify the customer's banking message into one intent label. Answer with the label only."
SNIPS_SYSTEM = "Extract the slots of the request as a JSON object mapping slot name to the exact text."
SITE = {t: f"llm:{t.replace('-', '_')}@agent.py:{10 * (i + 1)}" for i, t in enumerate(TASKS)}


# ---- datasets as teacher traces ---------------------------------------------------------------------------------------
def _record(task: str, i: int, split: str, messages: list[dict[str, Any]], label: Any, **answer: Any) -> TraceRecord:
    return TraceRecord(
        id=f"{task}-{split}-{i}",
        source="bench",
        model="teacher",
        messages=messages,
        split=split,
        task=f"task:{task}",
        label=label,
        site_id=SITE[task],
        **answer,
    )


def _take(rows: list[Any], caps: tuple[int, int, int, int], rng: random.Random, test_rows: list[Any] | None = None):
    rows = rows[:]
    rng.shuffle(rows)
    train_n, val_n, test_n, _ = caps
    if test_rows is None:
        test_rows, rows = rows[:test_n], rows[test_n:]
    else:
        test_rows = rng.sample(test_rows, min(test_n, len(test_rows)))
    return {"train": rows[val_n : val_n + train_n], "validation": rows[:val_n], "test": test_rows}


def banking77(task: str, caps, rng: random.Random) -> tuple[list[TraceRecord], tuple[str, ...]]:
    def read(name: str) -> list[tuple[str, str]]:
        with (DATA / "banking77" / name).open(encoding="utf-8") as fh:
            return [(r["text"], r["category"]) for r in csv.DictReader(fh)]

    labels = tuple(json.loads((DATA / "banking77" / "categories.json").read_text()))
    splits = _take(read("train.csv"), caps, rng, read("test.csv"))
    records = []
    for split, rows in splits.items():
        for i, (text, label) in enumerate(rows):
            messages = [{"role": "system", "content": BANKING_SYSTEM}, {"role": "user", "content": text}]
            records.append(_record(task, i, split, messages, label, output=label))
    return records, labels


def _snips_examples(path: Path) -> list[tuple[str, dict[str, str]]]:
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        data = json.loads(raw.decode("latin-1"))
    out = []
    for examples in data.values():
        for example in examples:
            text = "".join(chunk["text"] for chunk in example["data"])
            slots: dict[str, str] = {}
            for chunk in example["data"]:
                if "entity" in chunk:
                    key = chunk["entity"]
                    slots[key] = f"{slots[key]} {chunk['text']}" if key in slots else chunk["text"]
            out.append((text.strip(), slots))
    return out


def snips(task: str, caps, rng: random.Random) -> tuple[list[TraceRecord], tuple[str, ...]]:
    folder = DATA / "snips"
    train = [x for p in sorted(folder.glob("train_*_full.json")) for x in _snips_examples(p)]
    test = [x for p in sorted(folder.glob("validate_*.json")) for x in _snips_examples(p)]
    splits = _take(train, caps, rng, test)
    records = []
    for split, rows in splits.items():
        for i, (text, slots) in enumerate(rows):
            messages = [{"role": "system", "content": SNIPS_SYSTEM}, {"role": "user", "content": text}]
            records.append(_record(task, i, split, messages, slots, output=json.dumps(slots, ensure_ascii=False)))
    return records, ()


def _teacher_call(answer: dict[str, dict[str, list[Any]]]) -> dict[str, Any]:
    """What an LLM would have called: the first accepted value of each argument; optional ("") ones left out."""
    ((name, params),) = answer.items()
    args = {k: v[0] for k, v in params.items() if v and v[0] != ""}
    return {"name": name, "arguments": args}


def _tool(function: dict[str, Any]) -> dict[str, Any]:
    params = json.loads(json.dumps(function.get("parameters", {})).replace('"type": "dict"', '"type": "object"'))
    return {"type": "function", "function": {**function, "parameters": params}}


def bfcl(task: str, caps, rng: random.Random) -> tuple[list[TraceRecord], tuple[str, ...]]:
    rows = []
    for name in ("BFCL_v4_simple_python", "BFCL_v4_live_simple"):
        questions = [json.loads(x) for x in (DATA / "bfcl" / f"{name}.json").read_text().splitlines() if x.strip()]
        lines = (DATA / "bfcl" / f"{name}.possible_answer.json").read_text().splitlines()
        answers = {a["id"]: a["ground_truth"] for a in (json.loads(x) for x in lines if x.strip())}
        for q in questions:
            truth = answers.get(q["id"])
            if truth and len(truth) == 1 and len(q["function"]) == 1:
                rows.append((q["question"][0], [_tool(f) for f in q["function"]], truth))
    splits = _take(rows, caps, rng)
    records = []
    for split, items in splits.items():
        for i, (messages, tools, truth) in enumerate(items):
            call = _teacher_call(truth[0])
            records.append(_record(task, i, split, messages, truth, tools=tools, tool_calls=[call]))
    return records, ()


# ---- the graph and the run ----------------------------------------------------------------------------------------------
def build_graph(specs: dict[str, tuple[Contract, SLMChoice, int]]) -> AgentGraph:
    graph = AgentGraph()
    for name, (contract, slm, calls) in specs.items():
        site = SITE[name]
        graph.add(LLMCall(id=site, loc=Loc("agent.py", int(site.rsplit(":", 1)[1])), client="openai"))
        graph.add(Task(id=f"task:{name}", name=name, sites=(site,), calls=calls, contract=contract, slm=slm))
        graph.add_edge(f"task:{name}", site, EdgeKind.SERVES)
    graph.meta.facts = ["sites", "traces-linked", "curated", "tasks", "contracts", "offload-scores", "slm-choices"]
    return graph


def main(argv: list[str] | None = None) -> int:
    global DATA
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--device", default="cpu", help="cpu | cuda")
    parser.add_argument("--size", default="tiny", choices=("tiny", "small", "base"), help="scratch model size")
    parser.add_argument("--tasks", default=",".join(TASKS), help=f"comma-separated subset of {', '.join(TASKS)}")
    parser.add_argument("--train-rows", type=int, default=0, help="override the train cap of every task")
    parser.add_argument("--epochs", type=float, default=0.0, help="override the epochs of every generative task")
    parser.add_argument("--gate-target", type=float, default=0.95)
    parser.add_argument("--build", type=Path, default=None, help="build folder (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--progress", action="store_true", help="progress bars while training")
    args = parser.parse_args(argv)

    DATA = args.data
    if not (DATA / "banking77").is_dir():
        print(f"datasets not found under {DATA}; nothing to measure", file=sys.stderr)
        return 1
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("--device cuda asked for, but torch sees no GPU", file=sys.stderr)
        return 2
    wanted = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in TASKS]
    if unknown:
        print(f"unknown task(s) {unknown}; choose from {TASKS}", file=sys.stderr)
        return 2
    caps = {k: v for k, v in CAPS["cuda" if args.device.startswith("cuda") else "cpu"].items()}
    if args.train_rows:
        caps = {k: (args.train_rows, *v[1:]) for k, v in caps.items()}
    if args.epochs:
        caps = {k: (*v[:3], args.epochs) for k, v in caps.items()}
    source = f"scratch:{args.size}"
    rng = random.Random(0)
    records: list[TraceRecord] = []
    specs: dict[str, tuple[Contract, SLMChoice, int]] = {}
    generative = SLMChoice(model=source, source=source, params_b=0.0, method="full")
    head = SLMChoice(model="classifier:minilm", source="minilm", params_b=0.0227, method="classifier-head")
    print(f"device {args.device}, base {source}, gate target {args.gate_target}")
    print("caps (train/validation/test rows, epochs; 0 = preset):")
    for name in wanted:
        key = "banking77" if name.startswith("banking77") else name
        cap = caps[key]
        print(f"  {name:15s} {cap[0]}/{cap[1]}/{cap[2]}, epochs {cap[3] or 'preset'}")
        if name in ("banking77", "banking77-head"):
            recs, labels = banking77(name, cap, random.Random(0))
            contract = Contract(kind="label", labels=labels, strictness=1.0)
            specs[name] = (contract, head if name.endswith("head") else generative, len(recs))
        elif name == "snips":
            recs, _ = snips(name, cap, rng)
            specs[name] = (Contract(kind="json", schema={"type": "object"}), generative, len(recs))
        else:
            recs, _ = bfcl(name, cap, rng)
            specs[name] = (Contract(kind="tool-call"), generative, len(recs))
        records.extend(recs)

    build = args.build or Path(tempfile.mkdtemp(prefix="slmc-bench-"))
    results: dict[str, Any] = {}
    graph = build_graph(specs)
    wall = time.perf_counter()
    for name in wanted:  # one task at a time, so a per-task epoch cap applies and timings stay separate
        epochs = caps["banking77" if name.startswith("banking77") else name][3]
        only = build_graph({name: specs[name]})
        ctx = PassContext(
            out_dir=build,
            traces=records,
            options={"gate_target": args.gate_target, "embedder": "minilm"},
            progress=args.progress,
            log=lambda m: print(f"  {m}", file=sys.stderr),
        )
        spec = (
            f"plan-finetune{{epochs={epochs}}},train{{device={args.device}}},"
            f"evaluate{{device={args.device},batch_size={64 if args.device.startswith('cuda') else 32}}},gate"
        )
        start = time.perf_counter()
        only = PassManager.from_spec(spec).run(ctx, only)
        task = only.node(f"task:{name}")
        graph.replace(task)
        res = task.eval
        extra = ctx.artifacts.get("evaluations", {}).get(task.id, {}).get("test", {})
        results[name] = {
            "method": task.finetune.method if task.finetune else None,
            "train_rows": task.finetune.train_rows if task.finetune else 0,
            "epochs": task.finetune.epochs if task.finetune else 0,
            "metric": res.metric if res else None,
            "ground_truth_accuracy": res.ground_truth_accuracy if res else None,
            "agreement": res.agreement if res else None,
            "accepted_agreement": res.accepted_agreement if res else None,
            "lower_bound": res.lower_bound if res else None,
            "threshold": res.threshold if res else None,
            "fallback_rate": res.fallback_rate if res else None,
            "test_n": res.n if res else 0,
            "train_seconds": res.train_seconds if res else None,
            "task_seconds": round(time.perf_counter() - start, 1),
            "decision": str(task.decision),
            "reasons": list(task.decision_reasons),
            "details": extra,
        }
        info_path = build / (res.adapter or "-") / "slmc-train.json" if res else None
        if info_path is not None and info_path.exists():
            results[name]["embedder"] = json.loads(info_path.read_text()).get("embedder")
        _print_row(name, results[name])
        _write(args, caps, source, time.perf_counter() - wall, results)
    total = time.perf_counter() - wall
    print(f"total {total:.0f}s; build folder {build}")
    if args.out:
        print(f"wrote {args.out}")
    return 0


def _write(args: argparse.Namespace, caps: dict[str, Any], source: str, total: float, results: dict[str, Any]) -> None:
    """Results so far as JSON (after every task, so a run cut short still leaves its figures)."""
    import torch

    if args.out:
        payload = {
            "device": args.device,
            "gpu": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else None,
            "base": source,
            "gate_target": args.gate_target,
            "caps": {k: list(v) for k, v in caps.items()},
            "python": platform.python_version(),
            "torch": torch.__version__,
            "total_seconds": round(total, 1),
            "tasks": results,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(payload, indent=1) + "\n")


def _print_row(name: str, r: dict[str, Any]) -> None:
    def f(x: float | None, pct: bool = False) -> str:
        if x is None:
            return "-"
        return f"{100 * x:.1f}%" if pct else f"{x:.3f}"

    print(
        f"{name:15s} {r['method'] or '-':16s} truth {f(r['ground_truth_accuracy'])}  teacher {f(r['agreement'])}  "
        f"accepted {f(r['accepted_agreement'])} (lb {f(r['lower_bound'])}, n={r['test_n']})  "
        f"fallback {f(r['fallback_rate'], True)}  train {r['train_seconds'] or 0:.0f}s  -> {r['decision']}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
