"""Tool-call head quality on BFCL (/work/shared/data/bfcl), the pretrained MiniLM encoder fine-tuned on the CPU.

Each set stands for one tool-calling site whose tools vary per call (the request's own tools are passed): BFCL
simple_python, multiple (2-4 tools offered) and live_simple, each mixed with a disjoint slice of BFCL irrelevance
(a quarter of the set's size; the teacher answers those without a tool). The teacher is perfect: its call is the
possible answer, each argument the first acceptable value the request spells out (else the first acceptable one;
``""`` = left out).

Split per set: test 25 %, validation 15 %, train 60 %, stratified by the teacher's tool (tools seen once go to train
first). The confidence threshold is chosen on validation: the lowest one whose accepted agreement is >= 95 % (target
"accepted >= 95 % at <= 20 % fallback"); if none reaches it, the one that leaves 20 % fallback (both are reported,
with the share of test calls the head could answer at all: no tool, or every argument fillable). Agreement is BFCL's
possible-answer matching (function name, required arguments present, every value among the acceptable ones with
BFCL's string normalisation; a no-tool answer agrees on irrelevance only).

Prints per set: tool-choice accuracy, full-call agreement on all test calls and on accepted ones, fallback share,
threshold, train and eval seconds; plus a zero-shot bi-encoder tool choice (cosine of the request and the tool text,
no fine-tuning) as the alternative measured against the fine-tuned cross-encoder.

    .venv/bin/python bench/heads_tools.py                        # all three sets
    .venv/bin/python bench/heads_tools.py --sets multiple --epochs 2 --budget 120
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from slmc.training.tool_schema import label_argument, read_tools  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bfcl"  # ../shared beside the checkout
SETS = ("simple_python", "multiple", "live_simple")
TARGET_AGREEMENT, MAX_FALLBACK = 0.95, 0.20


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _messages(entry: dict[str, Any]) -> list[dict[str, Any]]:
    turns = entry["question"]
    return [m for turn in turns for m in turn] if turns and isinstance(turns[0], list) else list(turns)


def _teacher_args(request: str, tool: Any, answer: dict[str, list[Any]]) -> dict[str, Any]:
    args = {}
    for name, options in answer.items():
        param = tool.param(name)
        chosen, found = None, False
        for option in options:
            present = option != ""
            if param is not None and label_argument(request, param, present, option).status != "other":
                chosen, found = option, True
                break
        if not found:
            chosen = options[0] if options else ""
        if chosen != "":
            args[name] = chosen
    return args


def load_set(name: str, irrelevance: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Exchange rows (``messages`` + teacher answer, ``tools``) with ``_truth`` (the possible answer, None = none)."""
    entries = _jsonl(DATA / f"BFCL_v4_{name}.json")
    truths = {a["id"]: a["ground_truth"] for a in _jsonl(DATA / f"BFCL_v4_{name}.possible_answer.json")}
    rows = []
    for entry in entries:
        truth = truths.get(entry["id"])
        if not truth or len(truth) != 1:
            continue
        ((fname, answer),) = truth[0].items()
        messages = _messages(entry)
        request = "\n".join(m["content"] for m in messages if m.get("role") == "user")
        tool = next((t for t in read_tools(entry["function"]) if t.name == fname), None)
        if tool is None:
            continue
        args = _teacher_args(request, tool, answer)
        call = {"type": "function", "function": {"name": fname, "arguments": json.dumps(args)}}
        answer_msg = {"role": "assistant", "content": None, "tool_calls": [call]}
        rows.append({"messages": [*messages, answer_msg], "tools": entry["function"], "_truth": (fname, answer)})
    for entry in irrelevance:
        answer_msg = {"role": "assistant", "content": "None of the available functions can do that."}
        rows.append({"messages": [*_messages(entry), answer_msg], "tools": entry["function"], "_truth": None})
    return rows


def split(rows: list[dict[str, Any]], seed: int) -> dict[str, list[dict[str, Any]]]:
    """Stratified by the teacher's tool: each tool's calls dealt test / validation / train in turn (60/15/25)."""
    rng = random.Random(seed)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["_truth"][0] if row["_truth"] else "<none>"].append(row)
    out: dict[str, list[dict[str, Any]]] = {"train": [], "validation": [], "test": []}
    pattern = ["train", "test", "train", "validation", "train", "test", "train", "train", "test", "validation"]
    pattern += ["train", "train", "test", "train", "train", "validation", "train", "test", "train", "train"]
    at = 0
    keys = sorted(groups)
    rng.shuffle(keys)
    for key in keys:
        group = groups[key]
        rng.shuffle(group)
        for row in group:
            out[pattern[at % len(pattern)]].append(row)
            at += 1
    return out


# ---- BFCL possible-answer matching ----------------------------------------------------------------------------------
def _norm(s: str) -> str:
    return re.sub(r"[ ,./\-_*^]", "", s).lower().replace("'", '"')


def _value_ok(value: Any, options: list[Any]) -> bool:
    for option in options:
        if option == "":
            continue
        if isinstance(option, bool) or isinstance(value, bool):
            if isinstance(option, bool) and isinstance(value, bool) and option == value:
                return True
            continue
        if isinstance(option, (int, float)) and isinstance(value, (int, float)):
            if float(option) == float(value):
                return True
        elif isinstance(option, str) and isinstance(value, str):
            if _norm(option) == _norm(value):
                return True
        elif option == value:
            return True
    return False


def agrees(call: dict[str, str] | None, truth: Any, tools: list[Any]) -> bool:
    if truth is None:
        return call is None
    if call is None:
        return False
    fname, answer = truth
    if call["name"] != fname:
        return False
    args = json.loads(call["arguments"])
    tool = next((t for t in read_tools(tools) if t.name == fname), None)
    required = {p.name for p in tool.params if p.required} if tool else set()
    for name in required:
        if name not in args and "" not in answer.get(name, []):
            return False
    for name, value in args.items():
        if name not in answer or not _value_ok(value, answer[name]):
            return False
    return all(name in args or "" in options for name, options in answer.items())


# ---- run ----------------------------------------------------------------------------------------------------------
def _threshold(confidences: list[float], correct: list[bool]) -> tuple[float | None, float]:
    """(the lowest threshold whose accepted validation calls agree >= 95 %, or None; the one leaving 20 % fallback)."""
    pairs = sorted(zip(confidences, correct, strict=True), key=lambda p: -p[0])
    n = len(pairs)
    at_target = None
    for k in range(n, 0, -1):  # accept the k most confident; the largest k that meets the target wins
        if pairs[k - 1][0] <= 0:
            continue
        if sum(c for _, c in pairs[:k]) / k >= TARGET_AGREEMENT:
            at_target = pairs[k - 1][0]
            break
    keep = max(1, round(n * (1 - MAX_FALLBACK)))
    return at_target, pairs[keep - 1][0]


def _at(threshold: float | None, preds: list[Any], ok: list[bool]) -> dict[str, Any]:
    accepted = [threshold is not None and p.fallback is None and p.confidence >= threshold for p in preds]
    n_acc = sum(accepted)
    return {
        "threshold": threshold,
        "fallback": 1 - n_acc / len(preds),
        "agreement_accepted": (sum(o for o, a in zip(ok, accepted, strict=True) if a) / n_acc) if n_acc else None,
    }


def bi_encoder_choice(rows: list[dict[str, Any]]) -> float | None:
    """Zero-shot tool choice by cosine of MiniLM sentence embeddings (request vs tool name: description)."""
    from slmc.training.embed import Embedder, minilm_available
    from slmc.training.tool_head import request_text

    if not minilm_available():
        return None
    emb = Embedder("minilm")
    hits = n = 0
    for row in rows:
        if row["_truth"] is None:
            continue
        tools = read_tools(row["tools"])
        vecs = emb.encode([request_text(row["messages"][:-1])] + [t.text() for t in tools])
        scores = vecs[1:] @ vecs[0]
        hits += tools[int(scores.argmax())].name == row["_truth"][0]
        n += 1
    return hits / n if n else None


def _fillable(row: dict[str, Any]) -> bool:
    """Whether the head can answer the teacher's call at all (no tool, or every argument a span / option / bool)."""
    from slmc.training.tool_head import example_from_row

    if row["_truth"] is None:
        return True
    example = example_from_row(row)
    return example is not None and all(label.status != "other" for label in example.args.values())


def unreachable_causes(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the data allows, without a model: the share of calls the head can represent at all (no tool, or every
    teacher argument a span / number / option / boolean of the request) and, per argument it cannot, why: ``nested``
    (an object, or a list of objects), ``list`` (a list whose items are not written as one run of the request),
    ``not in request`` (a string or number the request does not spell: rewritten, converted, inferred, a default)."""
    from slmc.training.tool_head import example_from_row

    causes: Counter[str] = Counter()
    representable = 0
    for row in rows:
        example = example_from_row(row)
        if example is None or example.choice is None:
            representable += example is not None
            continue
        teacher = json.loads(row["messages"][-1]["tool_calls"][0]["function"]["arguments"])
        fine = True
        for param in example.tools[example.choice].params:
            if example.args[param.name].status != "other":
                continue
            fine = False
            value = teacher.get(param.name)
            if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value)):
                causes["nested"] += 1
            elif isinstance(value, list):
                causes["list"] += 1
            else:
                causes[f"{param.kind} not in request"] += 1
        representable += fine
    return {"calls": len(rows), "representable": representable / len(rows) if rows else None, **causes}


def curve(preds: list[Any], ok: list[bool]) -> list[dict[str, Any]]:
    """Accepted agreement of the most confident test calls at each fallback share (an oracle threshold set on test:
    the best the confidence's ranking allows, not what a validation threshold gives)."""
    order = sorted(range(len(preds)), key=lambda i: -(0.0 if preds[i].fallback else preds[i].confidence))
    out = []
    for fallback in (0.0, 0.2, 0.4, 0.6, 0.8):
        keep = order[: max(1, round(len(order) * (1 - fallback)))]
        out.append({"fallback": fallback, "accepted": round(sum(ok[i] for i in keep) / len(keep), 3)})
    return out


def components(head: Any, rows: list[dict[str, Any]], preds: list[Any], ok: list[bool]) -> dict[str, Any]:
    """Per-component accuracy on test calls. Arguments are judged with the teacher's tool given (whatever the head
    chose): ``presence`` = the head's set of filled parameters is the teacher's (per call, and per parameter);
    ``value_<kind>`` = among parameters both fill, the value is acceptable (BFCL matching), all / where the teacher's
    value is one the head can express; ``other`` = parameters the head declared unfillable. ``confidence``: call-level
    agreement by confidence quartile (of calls the head answered) and the AUROC of confidence for agreement."""
    from slmc.training.tool_head import example_from_row, request_text

    calls = [(r, p) for r, p in zip(rows, preds, strict=True) if r["_truth"] is not None]
    n_calls = len(calls)
    choice = sum(p.tool == r["_truth"][0] for r, p in calls)
    no_tool_rows = [(r, p) for r, p in zip(rows, preds, strict=True) if r["_truth"] is None]
    presence_calls = presence_params = n_params = unfillable = 0
    value: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # ok, n, ok reachable, n reachable
    status_confusion: Counter[str] = Counter()
    for row, _ in calls:
        answer = row["_truth"][1]
        example = example_from_row(row)
        if example is None or example.choice is None:
            continue
        tool = example.tools[example.choice]
        decisions = head.decide_arguments(request_text(row["messages"][:-1]), tool)
        teacher = json.loads(row["messages"][-1]["tool_calls"][0]["function"]["arguments"])
        mine = {d.name for d in decisions if d.status not in ("absent", "other")}
        presence_calls += mine == set(teacher)
        for d in decisions:
            n_params += 1
            presence_params += (d.status not in ("absent", "other")) == (d.name in teacher)
            label = example.args.get(d.name)
            gold = label.status if label is not None else "absent"
            status_confusion[f"{gold}->{d.status}"] += 1
            if d.status == "other" or d.reason is not None:
                unfillable += 1
            if d.name in teacher and d.status not in ("absent", "other") and d.reason is None:
                good = _value_ok(d.value, answer.get(d.name, []))
                cell = value[d.kind]
                cell[0] += good
                cell[1] += 1
                if label is not None and label.status != "other":
                    cell[2] += good
                    cell[3] += 1
    answered = sorted(
        ((p.confidence, o) for p, o in zip(preds, ok, strict=True) if p.fallback is None), key=lambda x: x[0]
    )
    quartiles = []
    for q in range(4):
        part = answered[q * len(answered) // 4 : (q + 1) * len(answered) // 4]
        if part:
            quartiles.append(
                {
                    "conf_from": round(part[0][0], 4),
                    "conf_to": round(part[-1][0], 4),
                    "agree": sum(o for _, o in part) / len(part),
                    "n": len(part),
                }
            )
    from slmc.training.heads import auroc as auroc_of

    auroc = auroc_of([c for c, _ in answered], [bool(o) for _, o in answered]) if answered else None
    return {
        "tool_choice_calls": choice / n_calls if n_calls else None,
        "no_tool_right": (sum(p.tool is None for _, p in no_tool_rows) / len(no_tool_rows)) if no_tool_rows else None,
        "presence_calls": presence_calls / n_calls if n_calls else None,
        "presence_params": presence_params / n_params if n_params else None,
        "unfillable_params": unfillable / n_params if n_params else None,
        **{
            f"value_{k}": [round(v[0] / v[1], 3) if v[1] else None, v[1], round(v[2] / v[3], 3) if v[3] else None, v[3]]
            for k, v in sorted(value.items())
        },
        "status_confusion": dict(status_confusion.most_common()),
        "confidence_quartiles": quartiles,
        "confidence_auroc": auroc,
    }


def run_set(name: str, irrelevance: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    from slmc.training.tool_head import ToolCallHead, train_tool_head

    rows = load_set(name, irrelevance)
    parts = split(rows, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep / name if args.keep else Path(tmp) / "head"
        t0 = time.perf_counter()
        info = train_tool_head(
            parts["train"],
            folder,
            epochs=args.epochs,
            time_budget=args.budget,
            seed=args.seed,
            train_layers=args.train_layers,
            lr=args.lr,
            choice=args.choice,
        )
        t1 = time.perf_counter()
        head = ToolCallHead(folder)
        val = head.predict(parts["validation"])
        test = head.predict(parts["test"])
        t2 = time.perf_counter()
        ok = [agrees(p.call, r["_truth"], r["tools"]) for p, r in zip(test, parts["test"], strict=True)]
        parts_components = components(head, parts["test"], test, ok)
    val_ok = [agrees(p.call, r["_truth"], r["tools"]) for p, r in zip(val, parts["validation"], strict=True)]
    at_target, at_fallback = _threshold([p.confidence for p in val], val_ok)
    threshold = at_target if at_target is not None else at_fallback
    ok = [agrees(p.call, r["_truth"], r["tools"]) for p, r in zip(test, parts["test"], strict=True)]
    chosen = [p.tool for p in test]
    truth = [(r["_truth"][0] if r["_truth"] else None) for r in parts["test"]]
    accepted = [threshold is not None and p.confidence >= threshold and p.fallback is None for p in test]
    n_acc = sum(accepted)
    reasons = Counter((p.fallback or "").split(":")[0].split(" '")[0] for p in test if p.fallback)
    result = {
        "set": name,
        "rows": {k: len(v) for k, v in parts.items()},
        "no_tool_rows": sum(r["_truth"] is None for r in rows),
        "tool_choice": sum(c == t for c, t in zip(chosen, truth, strict=True)) / len(truth),
        "agreement_all": sum(ok) / len(ok),
        "agreement_accepted": (sum(o for o, a in zip(ok, accepted, strict=True) if a) / n_acc) if n_acc else None,
        "fallback": 1 - n_acc / len(ok),
        "threshold": threshold,
        "at_95_on_validation": {**_at(at_target, test, ok), "validation": _at(at_target, val, val_ok)},
        "at_20_fallback_on_validation": {**_at(at_fallback, test, ok), "validation": _at(at_fallback, val, val_ok)},
        "ceiling_all_args_fillable": sum(_fillable(r) for r in parts["test"]) / len(parts["test"]),
        "ceiling_causes_all_calls": unreachable_causes(rows),
        "curve_oracle_on_test": curve(test, ok),
        "head_fallbacks": dict(reasons),
        "train_seconds": round(t1 - t0, 1),
        "eval_seconds": round(t2 - t1, 1),
        "epochs": round(info.epochs, 2),
        "skipped_rows": info.skipped,
        "components": parts_components,
    }
    if args.bi_encoder:
        result["bi_encoder_zero_shot_choice"] = bi_encoder_choice(parts["test"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--budget", type=float, default=150.0, help="training seconds per set at most")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-layers", type=int, default=0, help="top encoder layers fine-tuned")
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--choice", default="bi", choices=("bi", "cross"))
    parser.add_argument("--no-bi-encoder", dest="bi_encoder", action="store_false")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", type=Path, help="save each set's trained head in this folder (under the set's name)")
    parser.add_argument(
        "--ceiling", action="store_true", help="only what the data allows (no model): representable calls and causes"
    )
    args = parser.parse_args()
    if args.ceiling:
        for name in args.sets:
            print(json.dumps({"set": name, **unreachable_causes(load_set(name, []))}))
        return
    irrelevance = _jsonl(DATA / "BFCL_v4_irrelevance.json")
    random.Random(args.seed).shuffle(irrelevance)
    sizes = {"simple_python": 100, "multiple": 50, "live_simple": 65}
    starts = {"simple_python": 0, "multiple": 100, "live_simple": 150}  # disjoint irrelevance slices
    results = []
    for name in args.sets:
        part = irrelevance[starts[name] : starts[name] + sizes[name]]
        result = run_set(name, part, args)
        results.append(result)
        print(json.dumps(result), flush=True)
    print()
    print(
        f"{'set':14} {'n tr/va/te':>12} {'choice':>7} {'agr all':>8} {'agr acc':>8} {'fallbk':>7} "
        f"{'thr':>6} {'train s':>8} {'eval s':>7} {'bi-enc':>7}"
    )
    for r in results:
        n = "/".join(str(r["rows"][k]) for k in ("train", "validation", "test"))
        acc = "-" if r["agreement_accepted"] is None else f"{r['agreement_accepted']:.3f}"
        bi = r.get("bi_encoder_zero_shot_choice")
        print(
            f"{r['set']:14} {n:>12} {r['tool_choice']:7.3f} {r['agreement_all']:8.3f} {acc:>8} {r['fallback']:7.3f} "
            f"{r['threshold']:6.3f} {r['train_seconds']:8.1f} {r['eval_seconds']:7.1f} "
            f"{'-' if bi is None else f'{bi:.3f}':>7}"
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
