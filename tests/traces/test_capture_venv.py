"""`slmc trace -- <the agent's own python> agent.py` where the agent runs in its own virtualenv that holds only
``openai`` (no slmc, no networkx): every call is recorded (sync, async, streaming, ``.stream()``) with the static site
ids; and a run where capture cannot start exits non-zero with what to do, never "0 calls" and 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from llm_server import LLMServer

from slmc.traces.ingest import read_traces

ROOT = Path(__file__).resolve().parents[2]

AGENT = textwrap.dedent(
    """
    import asyncio
    import os

    import openai

    client = openai.OpenAI(base_url=os.environ["LLM_URL"], api_key="test", max_retries=0)
    aclient = openai.AsyncOpenAI(base_url=os.environ["LLM_URL"], api_key="test", max_retries=0)


    def classify(text):
        return client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])


    def stream_words(text):
        chunks = client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}], stream=True)
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


    def helper_stream(text):
        with client.chat.completions.stream(model="m", messages=[{"role": "user", "content": text}]) as stream:
            for _ in stream:
                pass
        return stream.get_final_completion()


    async def summarise(text):
        return await aclient.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])


    async def astream(text):
        chunks = await aclient.chat.completions.create(
            model="m", messages=[{"role": "user", "content": text}], stream=True
        )
        return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])


    async def ahelper(text):
        async with aclient.chat.completions.stream(model="m", messages=[{"role": "user", "content": text}]) as s:
            async for _ in s:
                pass
        return await s.get_final_completion()


    async def run_async():
        return await asyncio.gather(summarise("d"), astream("e"), ahelper("f"))


    classify("a")
    print(stream_words("b"))
    helper_stream("c")
    asyncio.run(run_async())
    """
)


@pytest.fixture(scope="session")
def agent_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv (no system site-packages) with only ``openai`` (and what it needs) installed, once per session.

    ``openai`` comes from pip's configured indexes / find-links / cache at the version installed here (so a warm pip
    cache or a local wheelhouse makes it offline); ``SLMC_TEST_WHEELHOUSE`` forces an offline install from a folder.
    """
    try:
        version = metadata.version("openai")
    except metadata.PackageNotFoundError:
        pytest.skip("openai is not installed here, so no version to install into the agent's virtualenv")
    venv = tmp_path_factory.mktemp("agent-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    wheelhouse = os.environ.get("SLMC_TEST_WHEELHOUSE")
    offline = ["--no-index", "--find-links", wheelhouse] if wheelhouse else []
    cmd = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--retries", "0"]
    cmd += ["--timeout", "15", *offline, f"openai=={version}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip(f"could not install openai=={version} into a fresh virtualenv in 300 s (offline, no wheel cached?)")
    if proc.returncode != 0:
        pytest.skip(f"could not install openai=={version} into a fresh virtualenv: {proc.stderr.strip()[-400:]}")
    probe = subprocess.run(
        [str(python), "-c", "import openai, importlib.util as u; print(u.find_spec('slmc'), u.find_spec('networkx'))"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        cwd=venv,
    )
    assert probe.stdout.split() == ["None", "None"], probe.stderr  # a clean venv: neither slmc nor networkx
    return python


def _trace(tmp_path: Path, command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``slmc trace`` run by this (slmc's) interpreter, the agent by ``command``. slmc finds itself through ``sys.path``
    set in the runner only: no PYTHONPATH reaches the agent unless ``env`` gives one."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **(env or {})}
    runner = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from slmc.compiler.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = [sys.executable, "-c", runner, "trace", "--out", str(tmp_path / "traces.jsonl"), "--", *command]
    return subprocess.run(cmd, cwd=tmp_path, env=base, capture_output=True, text=True, timeout=120)


def test_capture_in_the_agents_own_virtualenv_records_every_call_kind(tmp_path, agent_python):
    frontend = pytest.importorskip("slmc.frontend")
    (tmp_path / "agent.py").write_text(AGENT)
    graph, problems = frontend.analyze_paths([tmp_path / "agent.py"], root=tmp_path)
    assert problems == []
    static = {s.id for s in graph.sites() if s.site == "request"}
    assert len(static) == 6
    with LLMServer() as server:
        proc = _trace(tmp_path, [str(agent_python), "agent.py"], {"LLM_URL": server.url + "/v1"})
    assert proc.returncode == 0, proc.stderr
    assert "capture not started" not in proc.stderr
    assert "recorded 6 LLM calls (0 errors)" in proc.stderr, proc.stderr
    assert proc.stdout.strip() == "echo: b"
    records, problems = read_traces([tmp_path / "traces.jsonl"])
    assert problems == []
    assert {r.site_id for r in records} == static  # one record per site, each with the static id
    outputs = {r.site_id.split("@")[0]: r.output for r in records}
    assert outputs == {
        f"llm:{f}": f"echo: {t}"
        for f, t in zip(
            ("classify", "stream_words", "helper_stream", "summarise", "astream", "ahelper"), "abcdef", strict=True
        )
    }
    assert sum(bool(r.meta.get("stream")) for r in records) == 4


def _broken_slmc(tmp_path: Path) -> Path:
    """A folder shadowing slmc with one that cannot be imported (as an agent env with a half-installed slmc)."""
    shadow = tmp_path / "shadow" / "slmc"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'networkx'\")\n")
    return shadow.parent


def test_capture_that_cannot_start_fails_the_run_and_says_what_to_do(tmp_path):
    (tmp_path / "agent.py").write_text("print('agent ran')\n")
    proc = _trace(tmp_path, [sys.executable, "agent.py"], {"PYTHONPATH": str(_broken_slmc(tmp_path))})
    assert proc.stdout.strip() == "agent ran"  # the agent still runs
    assert proc.returncode == 3, proc.stderr
    assert "capture could not start in 1 of 1 Python process(es)" in proc.stderr
    assert "No module named 'networkx'" in proc.stderr
    assert "hint:" in proc.stderr and "-m pip install" in proc.stderr


def test_a_command_that_starts_no_captured_python_fails_the_run(tmp_path):
    (tmp_path / "agent.py").write_text("print('isolated')\n")
    proc = _trace(tmp_path, [sys.executable, "-I", "agent.py"])  # -I: PYTHONPATH and sitecustomize ignored
    assert proc.stdout.strip() == "isolated"
    assert proc.returncode == 3, proc.stderr
    assert "no Python process" in proc.stderr and "-I, -E or -S" in proc.stderr


def test_agent_failure_code_wins_and_an_sdk_without_calls_is_reported(tmp_path):
    pytest.importorskip("openai")
    (tmp_path / "agent.py").write_text("import sys\nimport openai\nsys.exit(5)\n")
    proc = _trace(tmp_path, [sys.executable, "agent.py"])
    assert proc.returncode == 5, proc.stderr
    assert "recorded 0 LLM calls" in proc.stderr
    assert "openai imported but no LLM call recorded" in proc.stderr


def test_capture_imports_only_the_standard_library(tmp_path):
    """What the agent's process imports to capture (and to build a record) is stdlib or slmc's own stdlib-only code."""
    script = (
        "import sys; before = set(sys.modules)\n"
        "import slmc.traces.capture, slmc.traces.ingest.openai, slmc.traces.ingest.anthropic\n"
        "new = sorted(m for m in set(sys.modules) - before if m.split('.')[0] not in sys.stdlib_module_names)\n"
        "print(json.dumps(new))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", "import json\n" + script],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    foreign = [m for m in json.loads(proc.stdout) if m.split(".")[0] not in ("slmc", "orjson")]  # orjson: optional
    assert foreign == []
