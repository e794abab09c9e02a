"""S6 (3): ``slmc compile --from BUNDLE`` reuses the deployed model of a task whose plan and training data did not
change (real folders, a real bundle layout), trains the rest, and lists the decisions that changed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import Decision, EvalResult, FinetunePlan, LLMCall, SLMChoice, Task
from slmc.ir.unit import EvaluationReport, Reports
from slmc.training.reuse import decision_diff, eval_key, reuse_from_bundle, reused_eval, save_eval, trained_models
from slmc.training.trainer import model_dir, run_key

ROOT = Path(__file__).resolve().parents[2]
ROWS = [{"messages": [{"role": "user", "content": f"ticket {i}"}, {"role": "assistant", "content": "billing"}]}
        for i in range(5)]  # fmt: skip


def _task(build: Path, rows: list[dict]) -> Task:
    data = build / "datasets" / "task-intent" / "train.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    plan = FinetunePlan(
        dataset="datasets/task-intent/train.jsonl",
        validation="datasets/task-intent/validation.jsonl",
        test="datasets/task-intent/test.jsonl",
        method="classifier-head",
    )
    slm = SLMChoice(model="classifier:minilm", source="classifier:minilm", params_b=0.02, method="classifier-head")
    return Task(id="task:intent", sites=("llm:classify@agent.py:3",), finetune=plan, slm=slm)


def _deployed(tmp_path: Path, key: str) -> Path:
    """A bundle as `slmc compile` writes it: the manifest and the model folder with its slmc-train.json."""
    bundle = tmp_path / "bundle"
    model = bundle / "adapters" / "intent"
    model.mkdir(parents=True)
    (model / "head.json").write_text('{"labels": ["billing", "tech"]}', encoding="utf-8")
    (model / "head.safetensors").write_bytes(b"\0" * 16)
    (model / "slmc-train.json").write_text(json.dumps({"run_key": key, "seconds": 42.0, "base": None}), "utf-8")
    (model / "stale.pkl").write_bytes(b"never copied")
    (bundle / "slmc-manifest.yaml").write_text("version: 1\nsites: {}\n", encoding="utf-8")
    return bundle


def test_an_unchanged_task_reuses_the_deployed_model(tmp_path):
    build = tmp_path / "work"
    task = _task(build, ROWS)
    bundle = _deployed(tmp_path, run_key(build, task.finetune, task.slm.source))
    outcome = reuse_from_bundle(task, build, trained_models(bundle))
    assert outcome is not None and outcome.reused and outcome.seconds == 42.0
    out = model_dir(build, task)
    assert outcome.model_dir == out and (out / "head.safetensors").read_bytes() == b"\0" * 16
    assert not (out / "stale.pkl").exists()  # a pickle never travels
    assert json.loads((out / "slmc-train.json").read_text())["reused_from"] == "bundle"


def test_a_task_with_new_data_is_trained_again(tmp_path):
    build = tmp_path / "work"
    old = _task(build, ROWS)
    bundle = _deployed(tmp_path, run_key(build, old.finetune, old.slm.source))
    new_rows = [*ROWS, {"messages": [{"role": "user", "content": "cancel it"}, {"role": "assistant", "content": "x"}]}]
    task = _task(build, new_rows)  # drift: a new label in the training data
    assert reuse_from_bundle(task, build, trained_models(bundle)) is None
    assert not model_dir(build, task).exists()


def test_a_bundle_model_holding_a_link_is_not_reused(tmp_path):
    build = tmp_path / "work"
    task = _task(build, ROWS)
    bundle = _deployed(tmp_path, run_key(build, task.finetune, task.slm.source))
    (tmp_path / "secret.txt").write_text("outside the bundle", encoding="utf-8")
    (bundle / "adapters" / "intent" / "vocab.txt").symlink_to(tmp_path / "secret.txt")
    said: list[str] = []
    assert reuse_from_bundle(task, build, trained_models(bundle), said.append) is None
    assert "holds a link" in said[0] and not model_dir(build, task).exists()


def test_decision_diff_lists_the_sites_that_changed_with_the_evidence(tmp_path):
    manifest = tmp_path / "slmc-manifest.yaml"
    old_sites = {
        "llm:classify@agent.py:3": {
            "decision": "offload",
            "task": "task:intent",
            "reasons": ["agreement 0.98 (lower bound 0.96) >= 0.95"],
            "eval": {"agreement": 0.98, "lower_bound": 0.96, "n": 200, "fallback_rate": 0.04},
        },
        "llm:extract@agent.py:9": {"decision": "keep"},
    }
    manifest.write_text(yaml.safe_dump({"version": 1, "sites": old_sites}), encoding="utf-8")
    graph = AgentGraph()
    graph.add(
        LLMCall(
            id="llm:classify@agent.py:3",
            decision=Decision.KEEP,
            decision_reasons=("agreement 0.81 (lower bound 0.77) < 0.95",),
        )
    )
    graph.add(LLMCall(id="llm:extract@agent.py:9", decision=Decision.KEEP))
    graph.add(LLMCall(id="llm:main@agent.py:30", decision=Decision.KEEP))  # not in the manifest: kept before too
    graph.add(
        Task(
            id="task:intent",
            sites=("llm:classify@agent.py:3",),
            eval=EvalResult(metric="label", agreement=0.81, lower_bound=0.77, n=150, fallback_rate=0.1),
        )
    )
    diff = decision_diff(manifest, graph)
    assert diff["unchanged"] == 2
    (change,) = diff["changed"]
    assert (change["site"], change["before"], change["after"], change["task"]) == (
        "llm:classify@agent.py:3",
        "offload",
        "keep",
        "task:intent",
    )
    assert change["before_eval"]["lower_bound"] == 0.96 and change["after_eval"]["lower_bound"] == 0.77
    assert change["after_reasons"] == ["agreement 0.81 (lower bound 0.77) < 0.95"]


def test_compile_from_a_folder_that_is_no_bundle_fails_before_any_work(tmp_path):
    (tmp_path / "agent.py").write_text("print('hi')\n", encoding="utf-8")
    (tmp_path / "t.jsonl").write_text("", encoding="utf-8")
    done = subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "slmc",
                "compile",
                str(tmp_path / "agent.py"),
                "--traces",
                str(tmp_path / "t.jsonl"),
            ),
            *("--out", str(tmp_path / "build"), "--from", str(tmp_path / "nothing")),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 2 and "no slmc-manifest.yaml" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "build").exists()


def test_a_kept_task_is_reused_from_the_stage_cache_beside_the_bundle(tmp_path):
    """Kept tasks have no model in the bundle; the compile that wrote it left every model in its stage cache."""
    build = tmp_path / "work"
    task = _task(build, ROWS)
    bundle = _deployed(tmp_path, "another-task-key")
    cached = tmp_path / ".bundle.slmc-cache" / "work" / "models" / "task-intent"
    cached.mkdir(parents=True)
    key = run_key(build, task.finetune, task.slm.source)
    (cached / "slmc-train.json").write_text(json.dumps({"run_key": key, "seconds": 9.0, "base": None}), "utf-8")
    (cached / "head.json").write_text("{}", encoding="utf-8")
    outcome = reuse_from_bundle(task, build, trained_models(bundle))
    assert outcome is not None and outcome.seconds == 9.0 and (outcome.model_dir / "head.json").is_file()


REPORT = EvaluationReport(test={"label": 0.97}, validation_operating_point={"threshold": 0.4}, ground_truth_rows=3)


def _evaluated(tmp_path: Path) -> tuple[Path, Task, Path, str]:
    build = tmp_path / "work"
    task = _task(build, ROWS)
    for split in ("validation", "test"):
        (build / "datasets" / "task-intent" / f"{split}.jsonl").write_text(json.dumps(ROWS[0]) + "\n", "utf-8")
    model = build / "models" / "task-intent"
    model.mkdir(parents=True)
    (model / "slmc-train.json").write_text(json.dumps({"run_key": "k1", "reused_from": "bundle"}), "utf-8")
    key = eval_key(build, task, model, {"target": 0.95, "confidence": 0.95})
    result = EvalResult(metric="label", agreement=0.97, lower_bound=0.955, n=120, threshold=0.4, fallback_rate=0.05)
    save_eval(model, key, result, REPORT)
    return build, task, model, key


def test_the_evaluation_of_a_reused_model_is_reused_on_the_same_rows(tmp_path):
    build, task, model, key = _evaluated(tmp_path)
    result, report = reused_eval(model, key)
    assert (result.agreement, result.lower_bound, result.n, result.threshold) == (0.97, 0.955, 120, 0.4)
    assert report == REPORT
    # a new test row: evaluated again
    (build / "datasets" / "task-intent" / "test.jsonl").write_text(json.dumps(ROWS[1]) + "\n", "utf-8")
    assert reused_eval(model, eval_key(build, task, model, {"target": 0.95, "confidence": 0.95})) is None
    # another gate target: evaluated again
    assert eval_key(build, task, model, {"target": 0.9, "confidence": 0.95}) != key


def test_a_saved_evaluation_is_checked_and_only_trusted_for_a_model_reused_from_a_bundle(tmp_path):
    _, _, model, key = _evaluated(tmp_path)
    info = json.loads((model / "slmc-train.json").read_text())
    info["eval"]["result"]["agreement"] = "perfect"
    (model / "slmc-train.json").write_text(json.dumps(info), encoding="utf-8")
    assert reused_eval(model, key) is None
    _, _, model, key = _evaluated(tmp_path / "again")
    info = json.loads((model / "slmc-train.json").read_text())
    del info["reused_from"]  # trained here: evaluated again
    (model / "slmc-train.json").write_text(json.dumps(info), encoding="utf-8")
    assert reused_eval(model, key) is None


def test_a_reused_evaluation_report_is_one_the_stage_cache_can_save(tmp_path):
    """The report went into slmc-train.json as its repr and came back as ``{}``: the stage cache's
    ``Reports.to_json`` then failed (``asdict() should be called on dataclass instances``) in every --from compile
    that reused a model."""
    _, _, model, key = _evaluated(tmp_path)
    saved = json.loads((model / "slmc-train.json").read_text())["eval"]["report"]
    assert saved == {"test": {"label": 0.97}, "validation_operating_point": {"threshold": 0.4}, "ground_truth_rows": 3}
    _, report = reused_eval(model, key)
    data = Reports(evaluations={"task:intent": report}).to_json()
    assert Reports.from_json(json.loads(json.dumps(data))).evaluations == {"task:intent": REPORT}


def test_a_saved_evaluation_report_that_is_not_the_report_shape_is_evaluated_again(tmp_path):
    _, _, model, key = _evaluated(tmp_path)
    for bad in ("EvaluationReport(test={...})", {"test": [1]}, {"ground_truth_rows": -2}, {"ground_truth_rows": 1.5}):
        info = json.loads((model / "slmc-train.json").read_text())
        info["eval"]["report"] = bad
        (model / "slmc-train.json").write_text(json.dumps(info), encoding="utf-8")
        assert reused_eval(model, key) is None, bad
