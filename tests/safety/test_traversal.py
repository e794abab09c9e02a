"""Names from traces never steer a path out of the build folder, and training deletes only its own folders
(issue 11, item 4): a tool named ``..`` became task ``task:..``, and training ``rmtree``d the whole work folder."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from slmc.compiler.driver import CompileOptions, compile_agent
from slmc.compiler.settings import Settings
from slmc.errors import SlmcError
from slmc.ir.nodes import Task
from slmc.safety import is_slug
from slmc.training import trainer
from slmc.training.evaluation import write_evaluation
from slmc.training.plan_io import find_build_dir, load_plan

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "support_agent"
HOSTILE = ["task:..", "task:.", "task:../../x", "task:/abs", "task:/", "task:", "task:a/b", "task:x\n$(touch y)", ".."]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("tid", HOSTILE)
def test_task_folders_are_children_of_their_build_subfolder(tmp_path: Path, tid: str) -> None:
    build = tmp_path / "work"
    task = Task(tid)
    for sub, fn in (
        ("models", trainer.model_dir),
        ("bases", trainer.base_dir),
        ("checkpoints", trainer.checkpoint_dir),
    ):
        folder = fn(build, task)
        assert folder.resolve().parent == (build / sub).resolve(), (tid, folder)
        assert is_slug(folder.name)


def test_distinct_task_ids_never_share_a_folder() -> None:
    ids = [*HOSTILE, "task:abs", "task:a-b", "task:x", "task:a.b", "abs", "x"]
    names = [trainer.task_slug(Task(t)) for t in ids]
    assert len(set(names)) == len(ids), dict(zip(ids, names, strict=True))


def test_claiming_checkpoints_of_task_dotdot_deletes_nothing_else(tmp_path: Path) -> None:
    build = tmp_path / "work"
    (build / "datasets" / "intent").mkdir(parents=True)
    (build / "datasets" / "intent" / "train.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "beside.txt").write_text("keep\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    for tid in HOSTILE:
        task = Task(tid)
        trainer._claim_checkpoints(trainer.checkpoint_dir(build, task), "key-1")
        trainer._claim_checkpoints(trainer.checkpoint_dir(build, task), "key-2")  # another run: cleared, own folder
    after = _snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before
    assert all(k.startswith("work/checkpoints/") for k in set(after) - set(before))


def test_checkpoints_resume_only_from_their_own_marked_folder(tmp_path: Path) -> None:
    folder = trainer.checkpoint_dir(tmp_path, Task("task:intent"))
    trainer._claim_checkpoints(folder, "k")
    (folder / "checkpoint-5").mkdir()
    trainer._claim_checkpoints(folder, "k")  # the same run: kept for resuming
    assert (folder / "checkpoint-5").is_dir()
    trainer._claim_checkpoints(folder, "other")  # another plan or data: cleared
    assert not (folder / "checkpoint-5").exists()

    users = trainer.checkpoint_dir(tmp_path, Task("task:mine"))
    users.mkdir(parents=True)
    (users / "notes.txt").write_text("not slmc's\n", encoding="utf-8")
    with pytest.raises(SlmcError, match="slmc did not create it"):
        trainer._claim_checkpoints(users, "k")
    assert (users / "notes.txt").read_text(encoding="utf-8") == "not slmc's\n"


def test_evaluation_files_are_named_by_slug(tmp_path: Path) -> None:
    point = SimpleNamespace(to_dict=lambda: {})
    evaluation = SimpleNamespace(rows=[{"a": 1}], test_summary={}, validation_point=point, ground_truth_n=0)
    for tid in HOSTILE:
        write_evaluation(tmp_path, Task(tid), evaluation)  # type: ignore[arg-type]
    names = sorted(p.name for p in (tmp_path / "eval").iterdir())
    assert len(names) == 2 * len(HOSTILE)
    assert all(is_slug(n.split(".", 1)[0]) for n in names), names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval"]


def test_tool_named_dotdot_in_traces_plans_and_claims_inside_the_cache(tmp_path: Path) -> None:
    """The traces' only tool is named ``..`` (a tool site is one task over its tools, named after the site; task ids
    that do come from data are covered by the task_slug tests above): plan-finetune writes its datasets and training
    claims its folders, all inside the cache's work folder, and nothing there or beside it is deleted."""
    lines = [line for line in (EXAMPLE / "traces.jsonl").read_text(encoding="utf-8").splitlines() if '"tool_calls"'
             in line][:120]  # fmt: skip
    traces = tmp_path / "traces.jsonl"
    traces.write_text("\n".join(line.replace('"route_ticket"', '".."') for line in lines) + "\n", encoding="utf-8")
    opts = CompileOptions(
        sources=[EXAMPLE / "agent.py"], traces=[traces], out=tmp_path / "build", emit="plan", progress=False,
        settings=Settings(embedder="tfidf", base_model="scratch:tiny", cpu_only=True),
    )  # fmt: skip
    result = compile_agent(opts, log=lambda msg: None)
    work = tmp_path / ".build.slmc-cache" / "work"
    planned = [t for t in result.graph.tasks() if t.finetune is not None]
    assert planned, [t.id for t in result.graph.tasks()]
    for task in planned:
        data = (work / task.finetune.dataset).resolve()
        assert data.parent.parent == (work / "datasets").resolve(), task.finetune.dataset
        assert ".." not in Path(task.finetune.dataset).parts
    before = _snapshot(tmp_path)
    for task in planned:
        trainer._claim_checkpoints(trainer.checkpoint_dir(work, task), "run")
        trainer.fresh_folder(trainer.model_dir(work, task))
    after = _snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing deleted or changed
    new = set(after) - set(before)
    assert new and all(k.startswith((".build.slmc-cache/work/checkpoints/", ".build.slmc-cache/work/models/"))
                       for k in new), sorted(new)  # fmt: skip
    plan = tmp_path / "build" / "plan.json"
    # the plan records where its datasets are (relative to it): slmc train / eval read them from there
    assert json.loads(plan.read_text(encoding="utf-8"))["meta"]["build"] == "../.build.slmc-cache/work"
    assert find_build_dir(plan, load_plan(plan)) == work.resolve()


@pytest.mark.parametrize("in_place", [True, False])
def test_a_site_path_climbing_out_of_the_root_is_never_written(tmp_path: Path, in_place: bool) -> None:
    from slmc.codegen.rewrite import SiteRewrite, rewrite_agent
    from slmc.ir.nodes import SiteKind

    root = tmp_path / "proj"
    root.mkdir()
    outside = tmp_path / "outside.py"
    code = "def f(msgs):\n    return client.chat.completions.create(model='m', messages=msgs)\n"
    outside.write_text(code, encoding="utf-8")
    sid = "llm:f@../outside.py:2"
    decisions = {sid: SiteRewrite(sid, SiteKind.REQUEST, "openai.chat", "chat.completions.create", False)}
    out = tmp_path / "bundle" / "agent"
    with pytest.raises(SlmcError, match="refusing to write outside"):
        rewrite_agent(root, decisions, out_dir=None if in_place else out, in_place=in_place)
    assert outside.read_text(encoding="utf-8") == code
    assert not (tmp_path / "bundle" / "outside.py").exists()
