"""What ranks a label head's right answers above its wrong ones (the fallback order), on Banking77, on the CPU.

The splits are ``finetune_quality.py``'s (same seed: 2000 training rows, 400 validation, 600 test). The encoder
classifier is trained by ``slmc.training.encoder_classifier`` with the given settings (no time budget), then each
confidence is scored on the test rows:

* ``acc``: agreement on all test rows; ``sel@10``: agreement on the 90 % the confidence ranks highest (the ranking
  alone, threshold chosen on the test rows themselves); ``need97``: the least fallback that leaves >= 97 % accepted;
  ``auroc``: P(a right answer outranks a wrong one);
* ``gate``: the threshold calibrated on the validation rows as ``evaluate`` does (lower bound >= 0.95), applied to the
  test rows: accepted agreement, fallback, lower bound.

Confidences: the fine-tuned head's margin (without the frozen head's average), its max probability, both after
temperature scaling fitted on validation, the average with the frozen logistic head (``share``), agreement with the
frozen head / a kNN (k=10) / class centroids on the fine-tuned embeddings (a disagreement ranks below every agreement).

    .venv/bin/python bench/label_confidence.py --epochs 3 --lr 5e-5
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from slmc.training.calibration import calibrate_threshold, operating_point  # noqa: E402


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def margin(p: np.ndarray) -> np.ndarray:
    s = np.sort(p, 1)
    return s[:, -1] - s[:, -2]


def temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature with the least negative log-likelihood on (validation) ``logits`` (a grid, 0.14 .. 7.4)."""
    best = (float("inf"), 1.0)
    for t in np.exp(np.linspace(-2, 2, 81)):
        p = softmax(logits / t)[np.arange(len(y)), y]
        best = min(best, (float(-np.log(p + 1e-12).mean()), float(t)))
    return best[1]


def scores(conf_val: np.ndarray, ok_val: np.ndarray, conf: np.ndarray, ok: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    ok_val, ok = ok_val.astype(float), ok.astype(float)
    order = np.argsort(-conf, kind="stable")
    ranked = np.cumsum(ok[order]) / np.arange(1, len(ok) + 1)
    reach = np.where(ranked >= 0.97)[0]
    point = calibrate_threshold(conf_val.tolist(), ok_val.tolist(), target=0.95, binary=True)
    at = operating_point(conf.tolist(), ok.tolist(), point.threshold, binary=True, target=0.95)
    return {
        "acc": float(ok.mean()),
        "sel@10": float(ok[order[: round(0.9 * len(ok))]].mean()),
        "need97": 1.0 - (reach.max() + 1) / len(ok) if len(reach) else 1.0,
        "auroc": float(roc_auc_score(ok, conf)) if 0 < ok.mean() < 1 else float("nan"),
        "gate_acc": at.accepted_agreement,
        "gate_fallback": at.fallback_rate,
        "gate_lb": at.lower_bound,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--train-rows", type=int, default=0, help="at most this many training rows (0: all 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if not (args.data / "banking77").is_dir():
        args.data = Path("/work/shared/data")
    from finetune_quality import load_task

    from slmc.training.classifier import ClassifierHead, _probabilities
    from slmc.training.datasets import reference_answer, user_text
    from slmc.training.encoder_classifier import train_encoder_classifier

    records, _ = load_task(args.data, "banking77", args.seed)
    rows = {
        s: [{"messages": [*r.messages, {"role": "assistant", "content": r.output}]} for r in records if r.split == s]
        for s in ("train", "validation", "test")
    }
    if args.train_rows:
        rows["train"] = rows["train"][: args.train_rows]
    folder = Path(tempfile.mkdtemp(prefix="slmc-label-conf-"))
    start, cpu = time.perf_counter(), time.process_time()
    train_encoder_classifier(
        rows["train"], folder, seed=args.seed, epochs=args.epochs, lr=args.lr, threads=args.threads,
        label_smoothing=args.label_smoothing, ensemble=0.25,
    )  # fmt: skip
    print(
        f"trained {len(rows['train'])} rows, {args.epochs:g} epochs, lr {args.lr:g}, label smoothing "
        f"{args.label_smoothing:g}: {time.perf_counter() - start:.0f}s, cpu {time.process_time() - cpu:.0f}s"
    )
    head = ClassifierHead(folder)
    assert head.member is not None
    frozen_embedder, fw, fb, _ = head.member
    index = {c: i for i, c in enumerate(head.classes)}
    texts = {s: [user_text(r) for r in rs] for s, rs in rows.items()}
    y = {s: np.array([index.get(reference_answer(r).strip(), -1) for r in rs]) for s, rs in rows.items()}
    emb = {s: head.embedder.encode(t) for s, t in texts.items()}
    logits = {s: e @ head.weight.T + head.bias for s, e in emb.items()}
    tuned = {s: softmax(z) for s, z in logits.items()}
    frozen = {s: _probabilities(frozen_embedder.encode(texts[s]), fw, fb, head.link) for s in ("validation", "test")}
    t = temperature(logits["validation"], y["validation"])
    cents = np.stack([emb["train"][y["train"] == c].mean(0) for c in range(len(head.classes))])
    cents /= np.linalg.norm(cents, axis=1, keepdims=True).clip(1e-9)

    def knn_top(e: np.ndarray, k: int = 10) -> np.ndarray:
        near = np.argsort(-(e @ emb["train"].T), 1)[:, :k]
        votes = np.zeros((len(e), len(head.classes)))
        for j in range(k):
            np.add.at(votes, (np.arange(len(e)), y["train"][near[:, j]]), 1)
        return votes.argmax(1)

    def each(split: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        p, f, e = tuned[split], frozen[split], emb[split]
        top = p.argmax(1)
        warm = softmax(logits[split] / t)
        out = {
            "margin": (margin(p), top),
            "max probability": (p.max(1), top),
            f"margin, T={t:.2f}": (margin(warm), top),
            f"max probability, T={t:.2f}": (warm.max(1), top),
            "margin + agrees with frozen": (margin(p) + (f.argmax(1) == top), top),
            "margin + agrees with kNN": (margin(p) + (knn_top(e) == top), top),
            "margin + agrees with centroid": (margin(p) + ((e @ cents.T).argmax(1) == top), top),
        }
        for share in (0.25, 0.5):
            mix = (1 - share) * p + share * f
            out[f"average with frozen {share:g}: margin"] = (margin(mix), mix.argmax(1))
        return out

    val, test = each("validation"), each("test")
    for name in test:
        s = scores(val[name][0], val[name][1] == y["validation"], test[name][0], test[name][1] == y["test"])
        print(
            f"{name:36s} acc {s['acc']:.3f}  sel@10 {s['sel@10']:.3f}  need97 {s['need97']:.3f}  auroc "
            f"{s['auroc']:.3f} | gate: accepted {s['gate_acc']:.3f} fallback {s['gate_fallback']:.3f} lb "
            f"{s['gate_lb']:.3f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
