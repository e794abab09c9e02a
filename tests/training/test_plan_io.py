"""An emitted plan records where its build folder is; ``slmc train`` / ``slmc eval`` read it from there, ``--build``
overriding it, and say clearly when the datasets are not there (before: a guess at a hidden cache folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slmc.compiler.cli import main
from slmc.errors import SlmcError
from slmc.ir import AgentGraph, FinetunePlan, Task
from slmc.training.plan_io import find_build_dir, load_plan, save_plan


def _graph() -> AgentGraph:
    g = AgentGraph()
    rel = "datasets/t"
    g.add(
        Task(
            id="task:t",
            finetune=FinetunePlan(f"{rel}/train.jsonl", f"{rel}/validation.jsonl", f"{rel}/test.jsonl", "lora"),
        )
    )
    return g


def _build(folder: Path) -> Path:
    (folder / "datasets" / "t").mkdir(parents=True)
    for split in ("train", "validation", "test"):
        (folder / "datasets" / "t" / f"{split}.jsonl").write_text("{}\n", encoding="utf-8")
    return folder


def test_train_and_eval_read_the_build_folder_the_plan_records(tmp_path: Path) -> None:
    build = _build(tmp_path / "elsewhere" / "work")  # neither the plan's folder nor a cache folder beside it
    plan = tmp_path / "plans" / "plan.json"
    save_plan(_graph(), plan, build)
    assert json.loads(plan.read_text(encoding="utf-8"))["meta"]["build"] == "../elsewhere/work"
    assert find_build_dir(plan, load_plan(plan)) == build.resolve()
    other = _build(tmp_path / "other")
    assert find_build_dir(plan, load_plan(plan), other) == other.resolve()  # --build still overrides
    # written elsewhere (--output), the record is rewritten relative to the new file
    moved = tmp_path / "plans-v2" / "plan.json"
    save_plan(load_plan(plan), moved, build)
    assert load_plan(moved).meta.build == "../elsewhere/work"
    assert find_build_dir(moved, load_plan(moved)) == build.resolve()
    # a record climbing further than beside the plan's folder is refused (a plan is input); --build still serves
    deeper = tmp_path / "plans" / "v2" / "plan.json"
    save_plan(load_plan(plan), deeper, build)
    with pytest.raises(SlmcError, match=r"'../../elsewhere/work', outside the folder beside it"):
        find_build_dir(deeper, load_plan(deeper))
    assert find_build_dir(deeper, load_plan(deeper), build) == build.resolve()


def test_a_missing_or_climbing_build_folder_is_a_clear_error(tmp_path: Path, capsys) -> None:
    plan = tmp_path / "out" / "plan.json"
    save_plan(_graph(), plan, tmp_path / ".out.slmc-cache" / "work")  # recorded, but the datasets are gone
    with pytest.raises(SlmcError, match=r"not in .*work, recorded in the plan .*datasets/t/train.jsonl is missing"):
        find_build_dir(plan, load_plan(plan))
    assert main(["train", str(plan), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "recorded in the plan" in err and "--build DIR" in err and "Traceback" not in err
    with pytest.raises(SlmcError, match=r"not in .*nothing.*--build"):
        find_build_dir(plan, load_plan(plan), tmp_path / "nothing")
    hostile = load_plan(plan)
    hostile.meta.build = "../../../../etc"
    save_plan(hostile, plan)
    with pytest.raises(SlmcError, match="outside the folder beside it"):
        find_build_dir(plan, load_plan(plan))
    unrecorded = tmp_path / "bare" / "plan.json"
    save_plan(_graph(), unrecorded)  # an older plan: its own folder, never a guessed hidden one
    _build(tmp_path / ".bare.slmc-cache" / "work")
    with pytest.raises(SlmcError, match="the plan records no build folder"):
        find_build_dir(unrecorded, load_plan(unrecorded))
