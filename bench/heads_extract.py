"""Extractive JSON head (``slmc.training.span_head``) on SNIPS GetWeather and AddToPlaylist, CPU.

The teacher is perfect: its JSON answer is built from the slot annotations (``{slot: exact text}``, keys absent when
the utterance has no such slot; a slot given twice becomes a list, which the head cannot serve and counts as a miss).
The input is the user utterance inside a realistic extraction prompt. Each task's rows are shuffled and split into
train / validation / test; the head is fine-tuned end to end on the bundled all-MiniLM-L6-v2 (frozen word
embeddings), the confidence threshold is chosen on the validation split for the target "≥ 97 % agreement on accepted
calls at ≤ 10 % fallback", then applied to the test split.

Prints per task: rows used / skipped, agreement (exact JSON match) on all test calls and on accepted ones, fallback
share at the chosen threshold, train and eval seconds.

    .venv/bin/python bench/heads_extract.py                       # both tasks, defaults sized for 2 CPU cores
    .venv/bin/python bench/heads_extract.py --tasks GetWeather --train 500 --epochs 1 --out result.json
    .venv/bin/python bench/heads_extract.py --errors --fit '{"head_lr": 1e-3}'   # + error causes, confidence ranking

``--errors`` adds per task the test disagreements by cause (``bench/span_errors.py``'s ``cause``: wrong key, missing,
extra, boundary +word / -word / shifted, wrong span, list), the AUROC of the confidence (right vs wrong answers) and
the accepted agreement at 10 % fallback / the least fallback at 97 % accepted on the test split; ``--fit`` passes more
keyword arguments to ``SpanHead.fit``.

Wall seconds depend on what else shares the cores; the CPU seconds printed (train + eval, all threads) divided by
two are the wall time on two idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from slmc.training.span_head import SpanHead  # noqa: E402

PROMPTS = {
    "GetWeather": (
        "You extract the fields of a weather question for our forecast API.\n"
        "Return only a JSON object. Keys (leave out any the user does not mention): city, country, state, "
        "geographic_poi, current_location, spatial_relation, timeRange, condition_temperature, "
        "condition_description. Copy each value exactly as the user wrote it.\n\n"
        "User message: {text}\nJSON:"
    ),
    "AddToPlaylist": (
        "You turn a music assistant request into arguments for add_to_playlist().\n"
        "Return only a JSON object. Keys (leave out any that are not in the request): playlist, playlist_owner, "
        "music_item, artist, entity_name. Copy each value exactly as the user wrote it.\n\n"
        "User message: {text}\nJSON:"
    ),
}
TARGET, MAX_FALLBACK = 0.97, 0.10


def load(data: Path, task: str) -> list[tuple[str, str]]:
    rows = json.loads((data / "snips" / f"train_{task}_full.json").read_text(encoding="utf-8"))[task]
    pairs = []
    for row in rows:
        utterance = "".join(part["text"] for part in row["data"]).strip()
        answer: dict[str, object] = {}
        for part in row["data"]:
            if "entity" in part and part["text"].strip():
                value = part["text"].strip()
                old = answer.get(part["entity"])
                answer[part["entity"]] = value if old is None else [*(old if isinstance(old, list) else [old]), value]
        pairs.append((PROMPTS[task].format(text=utterance), json.dumps(answer, ensure_ascii=False)))
    return pairs


def choose_threshold(scored: list[tuple[float, bool]]) -> float:
    """The lowest confidence threshold whose accepted agreement reaches the target on ``scored`` (validation). The
    agreement target wins over the fallback budget (the fallback printed then shows the miss); when no threshold
    reaches the target, the one at the fallback budget."""
    ordered = sorted(scored, key=lambda s: -s[0])
    best = None
    right = 0
    for i, (conf, ok) in enumerate(ordered, 1):
        right += ok
        if right / i >= TARGET:
            best = conf  # accepting everything at or above conf keeps the target
    budget = ordered[min(len(ordered) - 1, int(len(ordered) * (1 - MAX_FALLBACK)))][0]
    return budget if best is None else best


def run(task: str, pairs: list[tuple[str, str]], args: argparse.Namespace) -> dict[str, object]:
    rng = random.Random(args.seed)
    rng.shuffle(pairs)
    test, val, train = pairs[: args.test], pairs[args.test : args.test + args.val], pairs[args.test + args.val :]
    train = train[: args.train]
    cpu = time.process_time()
    fit = {
        "epochs": args.epochs,
        "lr": args.lr,
        "batch_size": args.batch,
        "max_seconds": args.budget,
        "threads": args.threads,
        "seed": args.seed,
    }
    head, report = SpanHead.fit(train, **(fit | json.loads(args.fit)))
    start = time.perf_counter()
    val_pred = head.predict([t for t, _ in val])
    test_pred = head.predict([t for t, _ in test])
    eval_seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu  # CPU time of train + eval: wall time on 2 idle cores ~ this / 2

    def same(pred: object, answer: str) -> bool:
        return pred == json.loads(answer)

    val_scored = [(p.confidence, same(p.value, a)) for p, (_, a) in zip(val_pred, val, strict=True)]
    threshold = choose_threshold(val_scored)
    scored = [(p.confidence, same(p.value, a)) for p, (_, a) in zip(test_pred, test, strict=True)]
    accepted = [ok for conf, ok in scored if conf >= threshold]
    extra = errors([t for t, _ in test], test_pred, [json.loads(a) for _, a in test]) if args.errors else {}
    return extra | {
        "task": task,
        "kinds": {s.name: s.kind for s in head.specs},
        "train_rows": report.rows,
        "train_used": report.used,
        "skipped": report.skipped,
        "temperature": report.temperature,
        "steps": f"{report.steps}/{report.planned_steps}",
        "val": len(val),
        "test": len(test),
        "agreement_all": sum(ok for _, ok in scored) / len(scored),
        "agreement_accepted": sum(accepted) / max(1, len(accepted)),
        "fallback": 1 - len(accepted) / len(scored),
        "threshold": threshold,
        "train_seconds": round(report.seconds, 1),
        "eval_seconds": round(eval_seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "meets_target": sum(accepted) / max(1, len(accepted)) >= TARGET
        and 1 - len(accepted) / len(scored) <= MAX_FALLBACK,
    }


def errors(texts: list[str], preds: list, answers: list[dict[str, object]]) -> dict[str, object]:
    """The test disagreements by cause (key by key) and how well the confidence ranks right above wrong answers."""
    from label_curve import curve
    from span_errors import auroc, cause

    causes: dict[str, int] = {}
    confs, oks = [], []
    for text, pred, teacher in zip(texts, preds, answers, strict=True):
        for key in sorted(set(teacher) | set(pred.value)):
            why = cause(text, pred.value.get(key), teacher.get(key), pred.value, teacher)
            if why != "agrees":
                causes[f"{why} ({key})"] = causes.get(f"{why} ({key})", 0) + 1
        confs.append(pred.confidence)
        oks.append(pred.value == teacher)
    at = curve(confs, oks)
    return {
        "causes": dict(sorted(causes.items(), key=lambda kv: -kv[1])),
        "auroc": round(auroc(confs, oks), 3),
        "acc@10": round(at["acc@10"], 3),
        "fb@97": round(at["fb@97"], 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--tasks", nargs="+", default=list(PROMPTS), choices=list(PROMPTS))
    ap.add_argument("--train", type=int, default=800, help="training rows (before the 10 %% calibration slice)")
    ap.add_argument("--val", type=int, default=200)
    ap.add_argument("--test", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--budget", type=float, help="training seconds at most (stops mid-epoch); none by default")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--errors", action="store_true", help="print the error causes and the confidence's ranking")
    ap.add_argument("--fit", default="{}", help="more SpanHead.fit keyword arguments (a JSON object)")
    args = ap.parse_args()
    if not (args.data / "snips").is_dir():
        sys.exit(f"no SNIPS data under {args.data / 'snips'} (pass --data)")
    results = []
    for task in args.tasks:
        result = run(task, load(args.data, task), args)
        results.append(result)
        print(
            f"{task:14s} train {result['train_used']}/{result['train_rows']} "
            f"agreement all {result['agreement_all']:.3f} accepted {result['agreement_accepted']:.3f} "
            f"fallback {result['fallback']:.3f} (threshold {result['threshold']:.3f} on {result['val']} val, "
            f"{result['test']} test) train {result['train_seconds']}s eval {result['eval_seconds']}s (cpu {result['cpu_seconds']}s) "
            f"{'MEETS' if result['meets_target'] else 'misses'} target",
            flush=True,
        )
        print(f"  steps {result['steps']} kinds {result['kinds']} skipped {result['skipped']}", flush=True)
        if args.errors:
            print(
                f"  AUROC {result['auroc']} acc@10% {result['acc@10']} fallback@97% {result['fb@97']}; "
                f"causes {result['causes']}",
                flush=True,
            )
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
