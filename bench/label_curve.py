"""How the fine-tuned label head (``encoder-classifier``) trades fallback for accepted agreement, per training variant.

Reads a label task's rows from a build folder that ``bench/finetune_quality.py --build`` left
(``datasets/<task>/{train,validation,test}.jsonl``), trains ``slmc.training.encoder_classifier`` once per variant
(a JSON object of its keyword arguments) and prints for the test rows: agreement on all calls, the accepted
agreement / fallback / lower bound at the threshold calibrated on validation (as the gate does), the accepted
agreement at a fixed 10 % fallback, and the fallback the test rows need for 97 % accepted agreement (the best any
threshold could do), with the steps taken and the seconds.

    .venv/bin/python bench/label_curve.py --build /tmp/b --budget 90 '{}' '{"lr": 1e-4}'
    .venv/bin/python bench/label_curve.py --build /tmp/b          # the head the build saved: its whole curve
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def curve(conf: Any, ok: Any) -> dict[str, float]:
    """Accepted agreement at 10 % fallback and the least fallback with >= 97 % accepted agreement."""
    import numpy as np

    order = np.argsort(-np.asarray(conf), kind="stable")
    hits = np.asarray(ok, dtype=float)[order]
    kept = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    n = len(hits)
    at10 = float(kept[round(0.9 * n) - 1])
    good = np.nonzero(kept >= 0.97)[0]
    need = 1.0 - (int(good.max()) + 1) / n if good.size else 1.0
    return {"acc@10": at10, "fb@97": need}


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from slmc.training.calibration import calibrate_threshold, operating_point
    from slmc.training.classifier import ClassifierHead
    from slmc.training.datasets import read_jsonl, reference_answer, user_text
    from slmc.training.encoder_classifier import train_encoder_classifier

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--task", default="banking77")
    parser.add_argument("--budget", type=float, default=90.0, help="training seconds (0: the epochs, no budget)")
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("variants", nargs="*")
    args = parser.parse_args(argv)
    folder = next(
        p for p in (args.build / "datasets").iterdir() if args.task.replace("-", "_") in p.name.replace("-", "_")
    )
    rows = {s: read_jsonl(folder / f"{s}.jsonl") for s in ("train", "validation", "test")}
    print(f"{folder.name}: " + ", ".join(f"{s} {len(r)}" for s, r in rows.items()), flush=True)
    if not args.variants:  # the saved head: accepted agreement on the test rows at each fallback share
        head = ClassifierHead(args.build / "models" / folder.name)
        probs = head.predict_proba([user_text(r) for r in rows["test"]])
        top = np.sort(probs, axis=1)
        ok = np.array(
            [head.classes[i] == reference_answer(r).strip() for i, r in zip(probs.argmax(1), rows["test"], strict=True)]
        )
        for name, conf in (("margin", top[:, -1] - top[:, -2]), ("max prob", top[:, -1])):
            order = np.argsort(-conf, kind="stable")
            kept = np.cumsum(ok[order]) / np.arange(1, len(ok) + 1)
            points = [f"{f:.0%} {kept[round((1 - f) * len(ok)) - 1]:.3f}" for f in (0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)]
            print(f"{name:8s} fallback -> accepted: " + ", ".join(points) + f" | fb@97% {curve(conf, ok)['fb@97']:.3f}")
        return 0
    for spec in args.variants:
        kwargs = {"epochs": 3.0, "batch_size": 32, "max_length": 64, "threads": 2, **json.loads(spec)}
        with tempfile.TemporaryDirectory(prefix="slmc-curve-") as tmp:
            logs: list[str] = []
            t0 = time.perf_counter()
            seconds = train_encoder_classifier(
                rows["train"], Path(tmp), max_seconds=args.budget, log=logs.append, **kwargs
            )
            head = ClassifierHead(Path(tmp))
            out = {}
            for split in ("validation", "test"):
                probs = head.predict_proba([user_text(r) for r in rows[split]])
                top = np.sort(probs, axis=1)
                pred = [head.classes[i] for i in probs.argmax(1)]
                ok = np.array([p == reference_answer(r).strip() for p, r in zip(pred, rows[split], strict=True)])
                out[split] = (top[:, -1] - top[:, -2], ok)
            point = calibrate_threshold(*out["validation"], target=args.target, binary=True)
            test = operating_point(*out["test"], point.threshold, binary=True, target=args.target)
            c = curve(*out["test"])
            steps = next((m for m in logs if m.startswith("init")), "?")
            print(
                f"{spec:40s} all {out['test'][1].mean():.3f} accepted {test.accepted_agreement:.3f} fallback"
                f" {test.fallback_rate:.3f} lb {test.lower_bound:.3f} | acc@10% {c['acc@10']:.3f} fb@97%"
                f" {c['fb@97']:.3f} | val all {out['validation'][1].mean():.3f} | train {seconds:.0f}s total"
                f" {time.perf_counter() - t0:.0f}s | {steps}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
