"""Why a trained span head (``slmc.training.span_head``) disagrees with the teacher, key by key.

Reads the head and the test rows that ``bench/finetune_quality.py --build`` left (``models/<task>`` and
``datasets/<task>/test.jsonl``) and prints per key: the test answers holding it (teacher or head), how many agree,
and each disagreement put in one cause: ``wrong key`` (a value the other side gives under another key: the right span,
the wrong key), ``missing`` (the teacher has the key, the head not), ``extra`` (the reverse), ``boundary +word`` /
``-word`` / ``shifted`` (both spans overlap in the input: the head's is longer / shorter / moved), ``not a span`` (the
teacher's value is not in the input), ``wrong span`` (no overlap), ``list`` (one side lists several spans); then how
well the per-call confidence separates right from wrong answers (AUROC, accepted agreement at 10 / 20 / 30 % fallback)
and the operating point the validation split calibrates.

    .venv/bin/python bench/span_errors.py --build /tmp/b --task snips-weather
    .venv/bin/python bench/span_errors.py --build /tmp/b --task snips-weather --budget 90 '{}' '{"lr": 1e-4}'

With variants (JSON objects of ``SpanHead.fit`` keyword arguments), a head is trained on the build's training rows for
each (``--budget`` seconds) and judged instead of the saved one, with the fallback the validation split calibrates
(lowest threshold whose Wilson lower bound clears ``--target``, as the gate does) applied to the test rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from label_curve import curve  # noqa: E402  (bench/ is this script's folder: the same curve as the label head's)


def cause(
    text: str, mine: Any, theirs: Any, head: dict[str, Any] | None = None, teacher: dict[str, Any] | None = None
) -> str:
    """One key's disagreement; with both whole answers, ``wrong key`` when the head's value is one the teacher gave
    under another key (or the teacher's value one the head gave under another key), and the boundary cause says which
    side is off: ``boundary +word`` / ``-word`` (the head's span is longer / shorter by whole words at one end)."""
    from slmc.answers import values_equal
    from slmc.training.span_head import find_span

    def elsewhere(value: Any, other: dict[str, Any] | None) -> bool:
        return value is not None and any(values_equal(value, v) for v in (other or {}).values())

    if mine is not None and theirs is not None and values_equal(mine, theirs):
        return "agrees"
    if elsewhere(mine, teacher) or elsewhere(theirs, head):
        return "wrong key"
    if mine is None:
        return "missing"
    if theirs is None:
        return "extra"
    if isinstance(mine, list) or isinstance(theirs, list):
        return "list"
    a, b = find_span(text, str(mine)), find_span(text, str(theirs))
    if b is None:
        return "not a span"
    if a and b and a[0] < b[1] and b[0] < a[1]:
        if a[0] <= b[0] and a[1] >= b[1]:
            return "boundary +word"
        if a[0] >= b[0] and a[1] <= b[1]:
            return "boundary -word"
        return "boundary shifted"
    return "wrong span"


def auroc(conf: Any, ok: Any) -> float:
    """Probability that a right answer has a higher confidence than a wrong one (ties count half)."""
    import numpy as np

    conf, ok = np.asarray(conf, dtype=float), np.asarray(ok, dtype=bool)
    right, wrong = conf[ok], conf[~ok]
    if not right.size or not wrong.size:
        return float("nan")
    above = (right[:, None] > wrong[None, :]).sum() + 0.5 * (right[:, None] == wrong[None, :]).sum()
    return float(above / (right.size * wrong.size))


def accepted_at(conf: Any, ok: Any, fallback: float) -> float:
    """Agreement of the (1 - fallback) share of answers the head is surest of."""
    import numpy as np

    order = np.argsort(-np.asarray(conf, dtype=float), kind="stable")
    keep = max(1, round((1 - fallback) * len(order)))
    return float(np.asarray(ok, dtype=float)[order][:keep].mean())


def breakdown(texts: list[str], evals: list[dict[str, Any]]) -> dict[str, Any]:
    """Error causes of a span head's gate rows, without the head: ``texts`` are the test inputs, ``evals`` the rows
    evaluation wrote for them (``prediction``, ``reference``, ``confidence``, ``accepted``, ``agreement``). Returns per
    key the causes (``cause``), the wrong answers by their set of causes, for all and for the accepted ones (what the
    gate's threshold let through), and the confidence's AUROC, accepted agreement at 10 / 20 % fallback and the least
    fallback with 97 % accepted (``fallback_for_97``)."""
    from slmc.answers import parse_json

    def obj(value: Any) -> dict[str, Any]:
        value = parse_json(value) if isinstance(value, str) else value
        return value if isinstance(value, dict) else {}

    keys: dict[str, dict[str, int]] = {}
    wrong: dict[str, int] = {}
    accepted_wrong: dict[str, int] = {}
    confs, oks = [], []
    for text, row in zip(texts, evals, strict=True):
        mine, theirs = obj(row.get("prediction")), obj(row.get("reference"))
        causes = set()
        for key in sorted(set(mine) | set(theirs)):
            why = cause(text, mine.get(key), theirs.get(key), mine, theirs)
            keys.setdefault(key, {})[why] = keys.get(key, {}).get(why, 0) + 1
            if why != "agrees":
                causes.add(why)
        ok = float(row.get("agreement") or 0.0) >= 1.0
        confs.append(float(row.get("confidence") or 0.0))
        oks.append(ok)
        if not ok:
            label = " + ".join(sorted(causes)) or "other"
            wrong[label] = wrong.get(label, 0) + 1
            if row.get("accepted"):
                accepted_wrong[label] = accepted_wrong.get(label, 0) + 1

    def ranked(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    return {
        "n": len(oks),
        "keys": {k: ranked(v) for k, v in sorted(keys.items(), key=lambda kv: -sum(kv[1].values()))},
        "wrong": ranked(wrong),
        "accepted_wrong": ranked(accepted_wrong),
        "auroc": auroc(confs, oks) if oks else float("nan"),
        "accepted_at": {f: accepted_at(confs, oks, f / 100) for f in (10, 20)} if oks else {},
        # the least fallback any threshold reaches 97 % accepted with on these rows (the ranking's best; the gate's
        # threshold, calibrated on other rows, falls back more when those are few)
        "fallback_for_97": curve(confs, oks)["fb@97"] if oks else 1.0,
    }


def judge(head: Any, rows: dict[str, list[dict[str, Any]]], show: int, target: float) -> None:
    import numpy as np

    from slmc.answers import parse_json
    from slmc.training.calibration import calibrate_threshold, operating_point
    from slmc.training.datasets import reference_answer, user_text

    scored: dict[str, tuple[list[float], list[bool]]] = {}
    per_key: dict[str, dict[str, int]] = {}
    shown = 0
    for split in ("validation", "test"):
        texts = [user_text(r) for r in rows[split]]
        confs, oks = [], []
        for text, row, pred in zip(texts, rows[split], head.predict(texts), strict=True):
            teacher = parse_json(reference_answer(row))
            teacher = teacher if isinstance(teacher, dict) else {}
            whole = True
            for key in sorted(set(teacher) | set(pred.value)):
                why = cause(text, pred.value.get(key), teacher.get(key), pred.value, teacher)
                whole = whole and why == "agrees"
                if split != "test":
                    continue
                counts = per_key.setdefault(key, {})
                counts[why] = counts.get(why, 0) + 1
                if why not in ("agrees", "missing", "extra") and shown < show:
                    shown += 1
                    print(f"  {key}: head {pred.value.get(key)!r} teacher {teacher.get(key)!r} | {text[-100:]!r}")
            confs.append(pred.confidence)
            oks.append(whole)
        scored[split] = (confs, oks)
    for key, counts in sorted(per_key.items(), key=lambda kv: -sum(kv[1].values())):
        wrong = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if k != "agrees")
        print(f"  {key:24s} {sum(counts.values()):4d} answers, {counts.get('agrees', 0):4d} agree; {wrong}")
    point = calibrate_threshold(*scored["validation"], target=target, binary=True)
    test = operating_point(*scored["test"], point.threshold, binary=True, target=target)
    conf, ok = (np.asarray(x) for x in scored["test"])
    at = curve(conf, ok)
    print(
        f"  test AUROC of the confidence (right vs wrong answers) {auroc(conf, ok):.3f}; accepted at fallback "
        + ", ".join(f"{f}% {accepted_at(conf, ok, f / 100):.3f}" for f in (10, 20, 30))
    )
    print(
        f"  test all {ok.mean():.3f} accepted {test.accepted_agreement:.3f} fallback {test.fallback_rate:.3f}"
        f" lb {test.lower_bound:.3f} | acc@10% {at['acc@10']:.3f}"
        f" fb@97% {at['fb@97']:.3f} | val all"
        f" {np.mean(scored['validation'][1]):.3f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    from slmc.training.datasets import read_jsonl, reference_answer, user_text
    from slmc.training.span_head import SpanHead

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--task", default="snips-weather")
    parser.add_argument("--show", type=int, default=0, help="print this many boundary / wrong-span examples")
    parser.add_argument("--budget", type=float, default=90.0, help="training seconds of a variant (0: none)")
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("variants", nargs="*")
    args = parser.parse_args(argv)
    slug = next(
        p.name for p in (args.build / "datasets").iterdir() if args.task.replace("-", "_") in p.name.replace("-", "_")
    )
    rows = {s: read_jsonl(args.build / "datasets" / slug / f"{s}.jsonl") for s in ("train", "validation", "test")}
    if not args.variants:
        print(f"{slug}: the saved head")
        judge(SpanHead.load(args.build / "models" / slug), rows, args.show, args.target)
        return 0
    pairs = [(user_text(r), reference_answer(r)) for r in rows["train"]]
    for spec in args.variants:
        kwargs = {"epochs": 3, "batch_size": 16, "lr": 3e-4, "threads": 2, **json.loads(spec)}
        head, report = SpanHead.fit(pairs, max_seconds=args.budget or None, **kwargs)
        print(
            f"{slug} {spec}: {report.steps}/{report.planned_steps} steps, {report.seconds:.0f}s,"
            f" temperature {report.temperature:g}",
            flush=True,
        )
        judge(head, rows, args.show, args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
