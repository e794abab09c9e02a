"""S6 (3): a task ``slmc compile --from BUNDLE`` trains again starts from the deployed model when base, method and
contract fit (real training of a scratch model, real heads), else from scratch with the reason recorded."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.settings import Settings
from slmc.ir.nodes import Contract
from slmc.ir.unit import CompileUnit
from slmc.training.warm import WarmStart, deployed_by_task, grown_head, start_head, warm_start

from .conftest import make_graph, weather_records, weather_task

KEYS = {"type": "object", "properties": {"city": {"type": "string"}, "day": {"type": "string"}}}


def _weather(schema: dict | None = None):
    return dataclasses.replace(weather_task(), contract=Contract(kind="json", schema=schema or KEYS))


def _compile(build: Path, records: list, task, reuse_from: Path | None = None):
    settings = Settings(reuse_from=str(reuse_from) if reuse_from else None)
    unit = PassManager.from_spec("plan-finetune{epochs=1},train{device=cpu,early-stop=false}", settings).run(
        PassContext(out_dir=build, settings=settings), CompileUnit(make_graph([task]), records)
    )
    return unit.graph.node(task.id)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Path:
    """A bundle folder and the build its compile left beside it (``.bundle.slmc-cache/work``), weather trained."""
    root = tmp_path_factory.mktemp("deployed")
    bundle = root / "bundle"
    bundle.mkdir()
    (bundle / "slmc-manifest.yaml").write_text("version: 1\nsites: {}\n", encoding="utf-8")
    _compile(root / ".bundle.slmc-cache" / "work", weather_records(), _weather())
    return bundle


def _info(build: Path) -> dict:
    return json.loads((build / "models" / "weather" / "slmc-train.json").read_text(encoding="utf-8"))


def _weights(folder: Path) -> dict:
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


def test_a_retrained_task_starts_from_the_deployed_model(deployed, tmp_path):
    build = tmp_path / "v2"
    _compile(build, weather_records(seed=5), _weather(), reuse_from=deployed)  # new rows, same contract
    info = _info(build)
    assert info["warm_start"]["from"] == "bundle" and "warm start" in info["warm_start"]["reason"]
    assert info["warm_start"]["run_key"] == _info(deployed.parent / ".bundle.slmc-cache" / "work")["run_key"]
    # the copy it started from holds the deployed weights, bit for bit
    old = _weights(deployed.parent / ".bundle.slmc-cache" / "work" / "models" / "weather")
    start = _weights(build / "warm" / "weather")
    assert old.keys() == start.keys() and all(np.array_equal(old[k], start[k]) for k in old)


def test_with_no_learning_the_warm_started_model_is_the_deployed_one(deployed, tmp_path):
    """Training with a learning rate of 0 leaves the starting weights: warm, the deployed ones; cold, a fresh init."""
    from slmc.training.trainer import train_task

    deployed_model = deployed.parent / ".bundle.slmc-cache" / "work" / "models" / "weather"
    old = _weights(deployed_model)
    for warm, same in [(WarmStart(deployed_model, "test"), True), (None, False)]:
        build = tmp_path / ("warm" if warm else "cold")
        task = _compile(build, weather_records(seed=5), _weather())
        task = dataclasses.replace(task, finetune=dataclasses.replace(task.finetune, learning_rate=0.0))
        train_task(task, build, device="cpu", warm=warm)
        new = _weights(build / "models" / "weather")
        equal = new.keys() == old.keys() and all(np.array_equal(old[k], new[k]) for k in old)
        assert equal is same


def test_a_new_json_key_starts_from_scratch_with_the_reason(deployed, tmp_path):
    schema = {**KEYS, "properties": {**KEYS["properties"], "time": {"type": "string"}}}
    build = tmp_path / "v2"
    _compile(build, weather_records(seed=5), _weather(schema), reuse_from=deployed)
    info = _info(build)
    assert info["warm_start"]["from"] is None and info["warm_start"]["reason"] == "new keys: time"
    assert not (build / "warm").exists()


# ---- the decision, case by case ---------------------------------------------------------------------------------
def _model(folder: Path, **info) -> Path:
    folder.mkdir(parents=True)
    base = {"source": "scratch:tiny", "method": "full", "run_key": "k0", "plan": {"dataset": "datasets/x/train.jsonl"}}
    (folder / "slmc-train.json").write_text(json.dumps({**base, **info}), encoding="utf-8")
    (folder / "config.json").write_text("{}", encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"\0")
    return folder


def _planned(contract: Contract, source: str = "scratch:tiny", method: str = "full"):
    from slmc.ir.nodes import FinetunePlan

    plan = FinetunePlan(dataset="datasets/x/train.jsonl", validation="v", test="t", method=method)
    return dataclasses.replace(weather_task(source=source, method=method), contract=contract, finetune=plan)


LABELS = Contract(kind="label", labels=("billing", "tech"))


@pytest.mark.parametrize(
    ("recorded", "contract", "extra", "warm", "why"),
    [
        (LABELS, LABELS, {}, True, "warm start"),
        (LABELS, Contract(kind="label", labels=("billing", "tech", "refund")), {}, False, "new labels: refund"),
        (LABELS, Contract(kind="label", labels=("billing",)), {}, False, "labels removed: tech"),
        (LABELS, Contract(kind="json", schema=KEYS), {}, False, "contract kind changed (label -> json)"),
        (None, LABELS, {}, False, "records no contract"),
        (LABELS, LABELS, {"source": "scratch:small"}, False, "the base changed"),
        (LABELS, LABELS, {"method": "lora"}, False, "the method changed"),
    ],
)
def test_warm_start_decision(tmp_path, recorded, contract, extra, warm, why):
    folder = _model(tmp_path / "m", contract=recorded.to_dict() if recorded else None, **extra)
    decision = warm_start(_planned(contract), {"x": folder}, "x")
    assert (decision.folder is not None) is warm and why in decision.reason


def test_a_deployed_model_holding_a_pickle_or_a_link_is_not_started_from(tmp_path):
    folder = _model(tmp_path / "m", contract=LABELS.to_dict())
    (folder / "pytorch_model.bin").write_bytes(b"pickle")
    assert "pickle" in warm_start(_planned(LABELS), {"x": folder}, "x").reason
    folder = _model(tmp_path / "n", contract=LABELS.to_dict())
    (folder / "tokenizer.json").symlink_to(tmp_path / "elsewhere.json")
    assert "link" in warm_start(_planned(LABELS), {"x": folder}, "x").reason


def test_deployed_models_are_found_by_task_folder_the_bundle_first(tmp_path):
    bundle = tmp_path / "bundle"
    in_bundle = _model(bundle / "adapters" / "x", contract=None)
    in_cache = _model(tmp_path / ".bundle.slmc-cache" / "work" / "models" / "x", contract=None)
    kept = _model(
        tmp_path / ".bundle.slmc-cache" / "work" / "models" / "y",
        contract=None,
        plan={"dataset": "datasets/y/train.jsonl"},
    )
    _model(bundle / "adapters" / "bad", contract=None, plan={"dataset": "datasets/../etc/train.jsonl"})
    assert deployed_by_task(bundle) == {"x": in_bundle, "y": kept}  # a name climbing out is no task
    in_bundle.joinpath("slmc-train.json").unlink()
    assert deployed_by_task(bundle) == {"x": in_cache, "y": kept}


# ---- classifier heads: the same labels start at the deployed weights, new labels grow the head --------------------
def _head(folder: Path, features, labels, embedder: str = "minilm"):
    from sklearn.linear_model import LogisticRegression

    from slmc.training.classifier import HEAD_CONFIG, save_head

    head = LogisticRegression(C=10.0, max_iter=2000).fit(features, labels)

    class Spec:
        name = embedder

        def save(self, folder):
            return {"name": embedder}

    save_head(head, Spec(), folder, check=features)
    assert json.loads((folder / HEAD_CONFIG).read_text())["embedder"] == {"name": embedder}
    return head


def _data(labels: tuple[str, ...], n: int = 240, seed: int = 0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(len(labels), 16)) * 3
    y = np.array([labels[i % len(labels)] for i in range(n)])
    x = centers[[labels.index(v) for v in y]] + rng.normal(size=(n, 16))
    return x, y


def test_a_head_with_the_same_labels_starts_at_the_deployed_weights(tmp_path):
    from sklearn.linear_model import LogisticRegression

    for labels in [("billing", "tech"), ("billing", "refund", "tech")]:
        x, y = _data(labels)
        deployed = _head(tmp_path / "-".join(labels), x, y)
        coef, intercept = grown_head(tmp_path / "-".join(labels), sorted(labels), 16)
        assert np.allclose(coef, deployed.coef_) and np.allclose(intercept, deployed.intercept_)
        warm = start_head(LogisticRegression(C=10.0, max_iter=2000), coef, intercept).fit(x, y)
        cold = LogisticRegression(C=10.0, max_iter=2000).fit(x, y)
        assert warm.n_iter_[0] < cold.n_iter_[0]  # it began at the deployed optimum
        assert np.allclose(warm.coef_, deployed.coef_, atol=1e-3)


def test_a_new_label_grows_the_head_keeping_the_deployed_rows(tmp_path):
    from scipy.special import softmax

    x, y = _data(("billing", "refund", "tech"))
    deployed = _head(tmp_path / "three", x, y)
    coef, intercept = grown_head(tmp_path / "three", ["billing", "cancel", "refund", "tech"], 16)
    assert coef.shape == (4, 16) and not coef[1].any() and intercept[1] == 0.0
    assert np.allclose(coef[[0, 2, 3]], deployed.coef_)
    # a two-label (logistic) head grows into softmax rows giving the same odds between its two labels
    xb, yb = _data(("billing", "tech"))
    two = _head(tmp_path / "two", xb, yb)
    coef, intercept = grown_head(tmp_path / "two", ["billing", "refund", "tech"], 16)
    p = softmax(xb @ coef.T + intercept, axis=1)
    assert np.allclose(p[:, 2] / (p[:, 0] + p[:, 2]), two.predict_proba(xb)[:, 1])
    # a label removed, or features of another size: no start from the deployed head
    assert grown_head(tmp_path / "three", ["billing", "tech"], 16) is None
    assert grown_head(tmp_path / "three", ["billing", "refund", "tech"], 32) is None


def test_a_classifier_head_may_grow_labels_but_not_from_tfidf(tmp_path):
    x, y = _data(("billing", "tech"))
    planned = _planned(
        Contract(kind="label", labels=("billing", "tech", "refund")), "classifier:minilm", "classifier-head"
    )
    for embedder, warm in [("minilm", True), ("tfidf", False)]:
        folder = tmp_path / embedder
        folder.mkdir()
        _head(folder, x, y, embedder)
        info = {"source": "classifier:minilm", "method": "classifier-head", "contract": LABELS.to_dict(), "plan": {}}
        (folder / "slmc-train.json").write_text(json.dumps(info), encoding="utf-8")
        decision = warm_start(planned, {"x": folder}, "x")
        assert (decision.folder is not None) is warm, decision.reason


def test_a_lora_adapter_warm_starts_on_its_base(tmp_path):
    """A LoRA task on a local base: the deployed adapter is loaded trainable; with no learning it stays as deployed."""
    from slmc.ir.nodes import FinetunePlan
    from slmc.training.datasets import build_task_dataset, corpus_texts, write_task_dataset
    from slmc.training.scratch import build_scratch
    from slmc.training.trainer import train_task

    records = weather_records(n=60)
    base = build_scratch("scratch:tiny", corpus_texts([]), tmp_path / "base")  # a local model folder, not scratch:
    plan = FinetunePlan(
        dataset="datasets/weather/train.jsonl",
        validation="datasets/weather/validation.jsonl",
        test="datasets/weather/test.jsonl",
        method="lora",
        lora_r=4,
        lora_alpha=8,
        target_modules=("q_proj", "v_proj"),
        epochs=1,
        batch_size=8,
        max_length=128,
    )
    task = dataclasses.replace(_weather(), finetune=plan)
    task = dataclasses.replace(task, slm=dataclasses.replace(task.slm, source=str(base), model=str(base)))
    for build in (tmp_path / "v1", tmp_path / "v2"):
        write_task_dataset(build_task_dataset(records, task.id), build / "datasets" / "weather")
    train_task(task, tmp_path / "v1", device="cpu")
    deployed_adapter = tmp_path / "v1" / "models" / "weather"
    decision = warm_start(task, {"weather": deployed_adapter}, "weather")
    assert decision.folder == deployed_adapter, decision.reason
    still = dataclasses.replace(task, finetune=dataclasses.replace(plan, learning_rate=0.0))
    train_task(still, tmp_path / "v2", device="cpu", warm=decision)
    from safetensors.numpy import load_file

    old = load_file(str(deployed_adapter / "adapter_model.safetensors"))
    new = load_file(str(tmp_path / "v2" / "models" / "weather" / "adapter_model.safetensors"))
    assert old.keys() == new.keys() and all(np.array_equal(old[k], new[k]) for k in old)
    other = dataclasses.replace(task, finetune=dataclasses.replace(plan, lora_r=8, lora_alpha=16))
    assert "rank, alpha or target modules" in warm_start(other, {"weather": deployed_adapter}, "weather").reason
