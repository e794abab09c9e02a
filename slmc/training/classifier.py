"""Classifier head for closed-label tasks: logistic regression on sentence embeddings of the call's input.

Trained on the teacher's labels (distillation) with scikit-learn, saved without pickle: ``head.safetensors`` (the
linear layer: ``weight`` [rows, dim], ``bias`` [rows]) and ``head.json`` (format, classes, link, embedder spec), plus
the TF-IDF embedder's own files when it is the fallback encoder (``slmc.training.embed``), with ``slmc-train.json``.
Inference is embedding -> linear layer -> link, the same arithmetic as the scikit-learn model's ``predict_proba``:
``softmax`` (multinomial, three or more classes) or ``logistic`` (two classes: p = sigmoid(x.w + b) for the second
class). Confidence is the probability margin between the two most likely labels.

A ``classifier.joblib`` from an older slmc is a pickle and is never loaded (loading it could run code): it is refused
with a request to re-run the compile.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.safety import safe_join
from slmc.training.datasets import reference_answer, user_text
from slmc.training.embed import Embedder
from slmc.training.models import TRAIN_INFO

HEAD_CONFIG = "head.json"
HEAD_WEIGHTS = "head.safetensors"
HEAD_FORMAT = "slmc-classifier-head"
CROSSVAL_FILE = "crossval.json"  # out-of-fold answers of a cross-validated head (rows order)
HELDOUT_FILE = "heldout.json"  # a head's answers on training rows it held out (threshold calibration)
LEGACY_FILE = "classifier.joblib"  # pickled heads of older versions: refused, never loaded
CLASSIFIER_FILE = HEAD_CONFIG  # the file that marks a folder as holding an slmc classifier head
LINKS = ("softmax", "logistic")


@dataclass(frozen=True)
class Prediction:
    text: str
    confidence: float  # mean token log-prob (generative) or probability margin (classifier)


def train_classifier(
    rows: list[dict[str, Any]],
    model_dir: Path,
    *,
    embedder: str = "minilm",
    seed: int = 0,
    device: str | None = None,
    folds: list[int] | None = None,
    warm: Path | None = None,
    cache: Any = None,
) -> float:
    """Fit and save the head; returns training seconds (embedding included). With ``folds`` (one fold id per row), the
    head is also cross-validated: per fold, a head trained on the other folds answers that fold's rows, and those
    out-of-fold answers are saved as ``crossval.json`` (what ``evaluate`` scores: every row is held out once).
    ``warm``: a deployed head (its folder) the fit starts from when it fits the features and labels
    (``slmc.training.warm.grown_head``; recorded as ``warm_grown`` in ``slmc-train.json``). ``cache``: the compile's
    MiniLM with its embedding cache (``slmc.analysis.embeddings.shared_minilm``): MiniLM features of texts embedded
    before (by the map, an earlier fit or the deployed compile) are read from it, the rest embedded and kept there."""
    from sklearn.linear_model import LogisticRegression

    labels = [reference_answer(r).strip() for r in rows]
    if len(set(labels)) < 2:
        raise SlmcError(
            f"a classifier head needs at least two labels in the training data, found {sorted(set(labels))}",
            hint="use method=full/lora for this task or record more varied traffic",
        )
    start = time.perf_counter()
    texts = [user_text(r) for r in rows]
    encoder = Embedder(embedder, device=device).fit(texts)
    features = encoder.encode_cached(texts, cache)  # new texts embedded by the head's own MiniLM (its device)
    head = LogisticRegression(C=10.0, max_iter=2000, random_state=seed)
    grown = None
    if warm is not None and encoder.name == "minilm":
        from slmc.training.warm import grown_head, start_head

        init = grown_head(warm, sorted(set(labels)), features.shape[1])
        if init is not None:
            start_head(head, *init)
            grown = sorted(set(labels) - set(json.loads((warm / HEAD_CONFIG).read_text(encoding="utf-8"))["classes"]))
    head.fit(features, labels)
    oof = None
    if folds is not None:
        if len(folds) != len(rows):
            raise SlmcError(f"{len(folds)} fold ids for {len(rows)} rows", hint="re-run plan-finetune")
        oof = out_of_fold(texts, labels, folds, encoder, features, seed=seed, device=device)
    seconds = time.perf_counter() - start
    model_dir.mkdir(parents=True, exist_ok=True)
    save_head(head, encoder, model_dir, check=features)
    if oof is not None:
        crossval = {"folds": len(set(folds or ())), "predictions": [[p.text, p.confidence] for p in oof]}
        (model_dir / CROSSVAL_FILE).write_text(json.dumps(crossval, ensure_ascii=False) + "\n", encoding="utf-8")
    info = {"method": "classifier-head", "embedder": encoder.name, "seconds": seconds, "rows": len(rows)}
    if grown is not None:
        info["warm_grown"] = grown  # labels the deployed head did not have (empty: the same labels)
    (model_dir / TRAIN_INFO).write_text(json.dumps(info, indent=1) + "\n")
    return seconds


def out_of_fold(
    texts: list[str],
    labels: list[str],
    folds: list[int],
    encoder: Embedder,
    features: Any,
    *,
    seed: int = 0,
    device: str | None = None,
) -> list[Prediction]:
    """Each row answered by a head trained on the other folds. A pretrained encoder's features are reused; a fitted
    one (TF-IDF) is fitted again on each fold's training rows, so no held-out text shapes its own features."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    out: list[Prediction | None] = [None] * len(texts)
    for fold in sorted(set(folds)):
        held = [i for i, f in enumerate(folds) if f == fold]
        seen = [i for i, f in enumerate(folds) if f != fold]
        seen_labels = [labels[i] for i in seen]
        if len(set(seen_labels)) < 2:  # nothing to learn from: the one label, at no confidence (falls back)
            for i in held:
                out[i] = Prediction(seen_labels[0] if seen_labels else "", 0.0)
            continue
        if encoder.vectorizer is not None:
            fold_encoder = Embedder(encoder.name, device=device).fit([texts[i] for i in seen])
            train_x, held_x = (
                fold_encoder.encode([texts[i] for i in seen]),
                fold_encoder.encode([texts[i] for i in held]),
            )
        else:
            train_x, held_x = features[seen], features[held]
        head = LogisticRegression(C=10.0, max_iter=2000, random_state=seed).fit(train_x, seen_labels)
        probs = head.predict_proba(held_x)
        order = np.argsort(-probs, axis=1)
        for row, i in enumerate(held):
            top = probs[row, order[row, 0]]
            second = probs[row, order[row, 1]] if probs.shape[1] > 1 else 0.0
            out[i] = Prediction(str(head.classes_[order[row, 0]]), float(top - second))
    return [p if p is not None else Prediction("", 0.0) for p in out]


def read_crossval(model_dir: Path, rows: int) -> list[Prediction]:
    """The out-of-fold answers ``train_classifier`` saved (one per training row)."""
    path = Path(model_dir) / CROSSVAL_FILE
    try:
        data = json.loads(safe_join(Path(model_dir), CROSSVAL_FILE).read_text(encoding="utf-8"))
        preds = [Prediction(str(text), float(conf)) for text, conf in data["predictions"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SlmcError(f"{path}: no readable cross-validation answers ({exc})", hint="re-run `slmc train`") from None
    if len(preds) != rows:
        raise SlmcError(f"{path}: {len(preds)} answers for {rows} rows", hint="re-run `slmc train`")
    return preds


def write_heldout(model_dir: Path, predictions: list[Prediction], references: list[str]) -> None:
    """A head's answers on the training rows it held out from its own fit (the span head's calibration slice), with
    the teacher's answers: ``evaluate`` calibrates the threshold on them together with the validation split."""
    data = {"predictions": [[p.text, p.confidence] for p in predictions], "references": list(references)}
    safe_join(Path(model_dir), HELDOUT_FILE).write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def read_heldout(model_dir: Path) -> tuple[list[Prediction], list[str]]:
    """What ``write_heldout`` saved; nothing when the head saved none or the file is unreadable (the validation split
    alone then calibrates)."""
    path = Path(model_dir) / HELDOUT_FILE
    if not path.is_file():
        return [], []
    try:
        data = json.loads(safe_join(Path(model_dir), HELDOUT_FILE).read_text(encoding="utf-8"))
        preds = [Prediction(str(text), float(conf)) for text, conf in data["predictions"]]
        refs = [str(r) for r in data["references"]]
    except (OSError, ValueError, KeyError, TypeError):
        return [], []
    if len(preds) != len(refs) or not all(math.isfinite(p.confidence) for p in preds):
        return [], []
    return preds, refs


def save_head(head: Any, encoder: Embedder, model_dir: Path, check: Any = None) -> None:
    """Write a fitted scikit-learn ``LogisticRegression`` and its embedder as safetensors + JSON. With ``check`` (a
    feature matrix), the saved head must give the model's own ``predict_proba`` on it, or nothing is kept."""
    import numpy as np
    from safetensors.numpy import save_file

    classes = [str(c) for c in head.classes_]
    link = "logistic" if len(classes) == 2 else "softmax"
    weight = np.ascontiguousarray(head.coef_)
    bias = np.ascontiguousarray(np.asarray(head.intercept_, dtype=weight.dtype))
    if check is not None:
        expected = head.predict_proba(check)
        got = _probabilities(np.asarray(check), weight, bias, link)
        tol = 16 * float(np.finfo(got.dtype).eps)  # a few ulps: exp/expit may round differently
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=tol, atol=tol):
            raise SlmcError(
                f"{type(head).__name__} does not compute probabilities as a {link} linear layer; head not saved",
                hint="train the classifier head with scikit-learn's LogisticRegression (lbfgs)",
            )
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / LEGACY_FILE).unlink(missing_ok=True)  # an older pickled head must not linger next to the new one
    spec = encoder.save(model_dir)
    save_file({"weight": weight, "bias": bias}, str(model_dir / HEAD_WEIGHTS))
    config = {
        "format": HEAD_FORMAT,
        "version": 1,
        "classes": classes,
        "link": link,
        "dim": int(weight.shape[1]),
        "embedder": spec,
        "confidence": "margin",  # top-1 minus top-2 probability; the threshold is calibrated by `slmc eval`
    }
    (model_dir / HEAD_CONFIG).write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _probabilities(features: Any, weight: Any, bias: Any, link: str) -> Any:
    """``predict_proba`` of the linear head, computed as scikit-learn does (same operations, same order)."""
    import numpy as np

    scores = features @ weight.T + bias
    if link == "logistic":
        try:  # scikit-learn's own sigmoid (bit for bit); scipy comes with scikit-learn
            from scipy.special import expit
        except ImportError:  # pragma: no cover - same values within an ulp

            def expit(x: Any) -> Any:
                return 1.0 / (1.0 + np.exp(-x))

        p = expit(scores[:, 0])
        return np.stack([1 - p, p], axis=1)
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


class ClassifierHead:
    """A saved head (``head.json`` + ``head.safetensors``) with its embedder; no pickle is ever read."""

    def __init__(self, model_dir: Path, device: str | None = None) -> None:
        import numpy as np
        from safetensors.numpy import load_file

        model_dir = Path(model_dir)
        config_path = model_dir / HEAD_CONFIG
        if not config_path.is_file():
            if (model_dir / LEGACY_FILE).exists():
                raise SlmcError(
                    f"{model_dir / LEGACY_FILE} is a pickled classifier head from an older slmc; it is not loaded "
                    "(a pickle can run code when loaded)",
                    hint="re-run `slmc compile` (or `slmc train --fresh`) to save the head as safetensors + JSON",
                )
            raise SlmcError(f"{model_dir} holds no classifier head ({HEAD_CONFIG})", hint="run `slmc train` first")

        def bad(problem: str) -> SlmcError:
            return SlmcError(f"{model_dir}: broken classifier head: {problem}", hint="re-run `slmc compile`")

        try:
            config = json.loads(safe_join(model_dir, HEAD_CONFIG).read_text(encoding="utf-8"))
            tensors = load_file(str(safe_join(model_dir, HEAD_WEIGHTS)))
        except Exception as exc:  # unreadable, not JSON, not safetensors (SafetensorError), or a symlink out
            raise bad(str(exc)) from None
        if not isinstance(config, dict) or config.get("format") != HEAD_FORMAT or config.get("version") != 1:
            raise bad(f"{HEAD_CONFIG} is not an slmc classifier head (version 1)")
        classes, link = config.get("classes"), config.get("link")
        weight, bias = tensors.get("weight"), tensors.get("bias")
        if not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(c, str) for c in classes):
            raise bad("classes must be a list of at least two labels")
        if link not in LINKS or (link == "logistic") != (len(classes) == 2):
            raise bad(f"link {link!r} does not fit {len(classes)} classes")
        rows = 1 if link == "logistic" else len(classes)
        if weight is None or weight.ndim != 2 or weight.shape[0] != rows or weight.dtype.kind != "f":
            raise bad(f"weight must be a float matrix with {rows} row(s)")
        if bias is None or bias.shape != (rows,) or not (np.isfinite(weight).all() and np.isfinite(bias).all()):
            raise bad(f"bias must be a finite vector of {rows} value(s)")
        self.model_dir = model_dir
        self.classes = [str(c) for c in classes]
        self.link = str(link)
        self.weight, self.bias = weight, bias.astype(weight.dtype)
        self.embedder = Embedder.load(model_dir, config.get("embedder"), device=device)
        # an encoder fine-tuned end to end may be averaged with the frozen head it started from (``ensemble``)
        self.member: tuple[Embedder, Any, Any, float] | None = None
        ensemble = config.get("ensemble")
        if ensemble is not None:
            try:
                share = float(ensemble["share"])
                member = load_file(str(safe_join(model_dir, str(ensemble["weights"]))))
                m_weight, m_bias = member["weight"], member["bias"]
            except Exception as exc:  # not an object, no share, unreadable weights, a symlink out of the folder
                raise bad(f"ensemble: {exc!r}") from None
            if not 0.0 < share < 1.0:
                raise bad(f"ensemble share {share!r} is not in (0, 1)")
            if m_weight.shape[0] != rows or m_weight.dtype.kind != "f" or m_bias.shape != (rows,):
                raise bad(f"the ensemble's weight must be a float matrix with {rows} row(s) and its bias {rows} values")
            if not (np.isfinite(m_weight).all() and np.isfinite(m_bias).all()):
                raise bad("the ensemble's weights are not finite")
            member_embedder = Embedder.load(model_dir, ensemble.get("embedder"), device=device)
            self.member = (member_embedder, m_weight, m_bias.astype(m_weight.dtype), share)

    def predict_proba(self, texts: list[str]) -> Any:
        """Probabilities per class (columns in ``self.classes`` order) for the given input texts."""
        features = self.embedder.encode(texts)
        if features.shape[1] != self.weight.shape[1]:
            raise SlmcError(
                f"{self.model_dir}: the embedder gives {features.shape[1]} features, the head expects "
                f"{self.weight.shape[1]}",
                hint="re-run `slmc compile` with the embedder the head was trained with",
            )
        probs = _probabilities(features, self.weight, self.bias, self.link)
        if self.member is None:
            return probs
        embedder, weight, bias, share = self.member
        other = embedder.encode(texts)
        if other.shape[1] != weight.shape[1]:
            raise SlmcError(
                f"{self.model_dir}: the ensemble's embedder gives {other.shape[1]} features, its head expects "
                f"{weight.shape[1]}",
                hint="re-run `slmc compile`",
            )
        return (1.0 - share) * probs + share * _probabilities(other, weight, bias, self.link)

    def predict(self, rows: list[dict[str, Any]]) -> list[Prediction]:
        import numpy as np

        if not rows:
            return []
        probs = self.predict_proba([user_text(r) for r in rows])
        order = np.argsort(-probs, axis=1)
        out = []
        for i in range(len(rows)):
            top = probs[i, order[i, 0]]
            second = probs[i, order[i, 1]] if probs.shape[1] > 1 else 0.0
            out.append(Prediction(self.classes[order[i, 0]], float(top - second)))
        return out
