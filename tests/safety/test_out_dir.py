"""`slmc compile --out` never loses a file slmc did not write (issue 11, item 1).

--out may be missing, empty, or a folder slmc wrote (its ``.slmc-owned`` mark lists every file); an --out that is or
holds the agent or its traces is refused before any work; the atomic swap and the stale-folder cleanup touch only
slmc-marked folders; the stage cache is written only into a folder slmc marked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from slmc.codegen.bundle import write_bundle
from slmc.compiler.driver import CompileOptions, compile_agent
from slmc.compiler.stages import StageCache
from slmc.errors import SlmcError
from slmc.safety import OWNER_MARK, mark_owned
from tests.emit.graphs import support_workspace

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "support_agent"
FAST = "triage,link-traces"  # enough passes to reach the bundle writer in seconds


def _project(folder: Path) -> Path:
    """An agent folder as a user has it: the agent, its traces, notes of their own."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE / "agent.py", folder / "agent.py")
    lines = (EXAMPLE / "traces.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    (folder / "traces.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "notes.txt").write_text("my notes\n", encoding="utf-8")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _compile(project: Path, out: Path, emit: str = "bundle") -> None:
    opts = CompileOptions(
        sources=[project / "agent.py"], traces=[project / "traces.jsonl"], out=out, emit=emit, pipeline=FAST,
        progress=False,
    )  # fmt: skip
    compile_agent(opts, log=lambda msg: None)


def _cli(project: Path, out: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "slmc", "compile", str(project / "agent.py"), "--traces", str(project / "traces.jsonl"),
           "--out", str(out), "--pipeline", FAST, "--no-progress", "--quiet"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_cli_refuses_a_folder_with_user_files_and_a_fake_manifest(tmp_path: Path) -> None:
    project = _project(tmp_path / "proj")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "slmc-manifest.yaml").write_text("my own manifest\n", encoding="utf-8")
    (out / "agent_backup.py").write_text("print('precious')\n", encoding="utf-8")
    (out / "traces").mkdir()
    (out / "traces" / "run1.jsonl").write_text("{}\n", encoding="utf-8")
    before = _snapshot(out)
    done = _cli(project, out)
    assert done.returncode != 0
    assert "refusing to replace" in done.stderr and "Traceback" not in done.stderr
    assert _snapshot(out) == before
    assert not (tmp_path / ".mine.slmc-cache").exists()  # refused before any work


@pytest.mark.parametrize("where", ["agent folder", "its parent", "traces folder"])
def test_out_that_is_or_holds_the_agent_or_its_traces_is_refused(tmp_path: Path, where: str) -> None:
    project = _project(tmp_path / "ws" / "proj")
    traces_dir = tmp_path / "data"
    traces_dir.mkdir()
    shutil.move(project / "traces.jsonl", traces_dir / "traces.jsonl")
    out = {"agent folder": project, "its parent": project.parent, "traces folder": traces_dir}[where]
    (out / "slmc-manifest.yaml").write_text("a file of the same name\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    opts = CompileOptions(sources=[project / "agent.py"], traces=[traces_dir / "traces.jsonl"], out=out,
                          pipeline=FAST, progress=False)  # fmt: skip
    with pytest.raises(SlmcError, match="is or contains"):
        compile_agent(opts, log=lambda msg: None)
    assert _snapshot(tmp_path) == before


def test_emit_ir_does_not_write_into_a_users_folder(tmp_path: Path) -> None:
    project = _project(tmp_path / "proj")
    out = tmp_path / "docs"
    out.mkdir()
    (out / "ir.json").write_text("my ir notes\n", encoding="utf-8")
    with pytest.raises(SlmcError, match="not an slmc bundle"):
        _compile(project, out, emit="ir")
    assert (out / "ir.json").read_text(encoding="utf-8") == "my ir notes\n"


def test_own_bundle_is_replaced_but_a_file_added_to_it_is_never_lost(tmp_path: Path) -> None:
    project = _project(tmp_path / "proj")
    out = tmp_path / "bundle"
    _compile(project, out)
    _compile(project, out)  # an slmc bundle is replaced
    assert (out / "slmc-manifest.yaml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".bundle.slmc-cache", "bundle", "proj"]  # no .tmp/.old
    (out / "report" / "my-review.md").write_text("keep\n", encoding="utf-8")
    with pytest.raises(SlmcError, match=r"holds files slmc did not write .*report/my-review\.md"):
        _compile(project, out)
    assert (out / "report" / "my-review.md").read_text(encoding="utf-8") == "keep\n"


def test_bundle_without_the_mark_is_refused_with_what_to_do(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    out = tmp_path / "bundle"
    write_bundle(graph, options, out, "vllm")
    # as an older slmc wrote it, or a folder of the user's holding a file of that name
    (out / OWNER_MARK).unlink(missing_ok=True)
    before = _snapshot(out)
    with pytest.raises(SlmcError, match="no slmc mark") as err:
        write_bundle(graph, options, out, "vllm")
    assert "remove it yourself" in (err.value.hint or "") and "new --out" in (err.value.hint or "")
    assert _snapshot(out) == before


def test_stale_looking_user_folders_are_kept_and_slmc_leftovers_removed(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    out = tmp_path / "bundle"
    users = [tmp_path / ".bundle.tmp-x", tmp_path / ".bundle.old-1"]
    for folder in users:
        folder.mkdir()
        (folder / "data.txt").write_text("user data\n", encoding="utf-8")
    leftover = tmp_path / ".bundle.tmp-killed"  # what a compile killed mid-write leaves: marked at creation
    mark_owned(leftover)
    (leftover / "half.yaml").write_text("x: 1\n", encoding="utf-8")
    write_bundle(graph, options, out, "vllm")
    write_bundle(graph, options, out, "vllm")
    for folder in users:
        assert (folder / "data.txt").read_text(encoding="utf-8") == "user data\n"
    assert not leftover.exists()


def test_out_name_with_glob_characters_does_not_reach_other_folders(tmp_path: Path) -> None:
    graph, options = support_workspace(tmp_path)
    other = tmp_path / ".a.tmp-1"  # matched by the pattern '.[ab].tmp-*' if the name were not escaped
    mark_owned(other)
    write_bundle(graph, options, tmp_path / "[ab]", "vllm")
    assert other.is_dir()


def test_stage_cache_is_written_only_into_a_folder_slmc_marked(tmp_path: Path) -> None:
    folder = tmp_path / ".build.slmc-cache"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(SlmcError, match="not created by this slmc"):
        StageCache(folder)
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "mine\n"
    cache = StageCache(tmp_path / "fresh")
    user_stage = cache.folder / "curate-k1"  # a folder slmc did not mark, where a stage would go
    user_stage.mkdir()
    (user_stage / "x.txt").write_text("mine\n", encoding="utf-8")
    from slmc.ir.unit import CompileUnit

    with pytest.raises(SlmcError, match="refusing to delete"):
        cache.save("curate", "k1", CompileUnit())
    assert (user_stage / "x.txt").read_text(encoding="utf-8") == "mine\n"
