"""Hostile names in every generated file (issue 11, items 2 and 10).

Names that come from the agent or its traces — the agent's folder name, its file stem, site functions, task, tool and
model names — are fuzzed with newlines, quotes, ``$()``, backticks, ``;``, ``..``, spaces, control characters and
unicode. For every target (TensorRT-LLM in both modes, vLLM, llama.cpp, hf) the bundle must build; each script passes
``bash -n``; running it with stub servers on PATH creates no marker file and hands the names to the stubs intact; each
YAML file loads to the keys it must have. Servers bind 127.0.0.1 by default and get the key from ``SLMC_API_KEY``.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from slmc.codegen.bundle import write_bundle
from slmc.errors import SlmcError
from slmc.ir.graph import AgentGraph, GraphMeta
from slmc.ir.nodes import Contract, Decision, EdgeKind, LLMCall, Loc, SiteKind, SLMChoice
from slmc.safety import is_slug, to_slug
from slmc.targets.base import Target, sh, shcommand

from .graphs import ATTN, _task, write_adapter

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")

CASES = {
    "vllm": ("vllm", {}),
    "tensorrt-llm": ("tensorrt-llm", {}),
    "tensorrt-llm-engine": ("tensorrt-llm", {"engine": True}),
    "llamacpp": ("llamacpp", {}),
    "hf": ("hf", {}),
}
STUBS = ("trtllm-serve", "trtllm-build", "vllm", "llama-server", "python", "python3", "docker", "huggingface-cli")
STUBS += ("nvidia-smi", "curl", "kubectl")
# {M} becomes the absolute path of the marker file a successful injection would create.
FRAGMENTS = (
    "\n",
    "\r\n",
    "'",
    '"',
    "$(touch {M})",
    "`touch {M}`",
    ";touch {M};",
    "\ntouch {M}\n",
    "'$(touch {M})'",
    '"; touch {M}; "',
    "${IFS}",
    "$HOME",
    "..",
    "../..",
    "/",
    " ",
    "\t",
    "#",
    "|",
    "&",
    "<",
    ">",
    "*",
    "?",
    "[",
    "]",
    "{",
    "}",
    "\\",
    ":",
    "@",
    "%",
    "!",
    "-",
    "é",
    "日本語",
    "\u2028",
    "\x1b[2J",
    "\x00",
    "---",
    "key: value",
    "- item",
    "&anchor",
    "`",
    "```",
    "[x](javascript:alert(1))",
    "<script>",
)
NAME = (
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), min_size=1, max_size=6)
    .map("".join)
    .filter(bool)
)


@dataclass(frozen=True)
class Names:
    folder: str
    stem: str
    function: str
    task: str
    tool: str
    model: str

    def filled(self, marker: Path) -> Names:
        return Names(*(v.replace("{M}", str(marker)) for v in dataclasses.astuple(self)))


NAMES = st.builds(Names, NAME, NAME, NAME, NAME, NAME, NAME)


def hostile_graph(n: Names) -> tuple[AgentGraph, list[str], str]:
    """Two offloaded sites (a label task and a tool-call task) whose ids, task, tool and model names are ``n``."""
    path = f"{n.stem}.py"
    g = AgentGraph(GraphMeta(root=".", files=[path], facts=["sites", "gated"]))
    site_ids = [f"llm:{n.function}@{path}:16", f"llm:{n.function}x@{path}:30"]
    for sid, line in zip(site_ids, (16, 30), strict=True):
        g.add(
            LLMCall(
                id=sid,
                site=SiteKind.REQUEST,
                loc=Loc(path, line, 5),
                function=n.function,
                client="openai",
                api="chat.completions.create",
                decision=Decision.OFFLOAD,
                decision_reasons=(f"task:{n.task} accepted",),
            )
        )
    model = f"Qwen-{n.model}"  # a family the engine recipe knows, whatever follows
    source = f"org/{n.model}"
    contracts = (
        Contract(kind="label", labels=("billing", n.tool)),
        Contract(kind="tool-call", tools=({"name": n.tool, "parameters": {"type": "object"}},)),
    )
    for i, (sid, contract) in enumerate(zip(site_ids, contracts, strict=True)):
        task = _task(f"task:{n.task}{'-tools' * i}", (sid,), r=8, modules=ATTN, contract=contract)
        assert task.eval is not None
        task = dataclasses.replace(
            task,
            slm=SLMChoice(model=model, source=source, params_b=0.5, method="lora"),
            eval=dataclasses.replace(task.eval, adapter=f"adapters/t{i}"),
        )
        g.add(task)
        g.add_edge(task.id, sid, EdgeKind.SERVES)
    g.verify()
    return g, site_ids, source


def _stub_bin(folder: Path) -> Path:
    """Stub servers and tools that record their argv (NUL-separated) and the key variables, then exit 0."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for name in STUBS:
        stub = bin_dir / name
        stub.write_text(
            "#!/bin/sh\n"
            'log="$STUB_LOG/$(basename "$0").$$"\n'
            'printf "%s\\0" "$@" > "$log.argv"\n'
            'printf "%s" "${VLLM_API_KEY:-}|${LLAMA_API_KEY:-}" > "$log.keys"\n'
            "exit 0\n",
            encoding="utf-8",
        )
        stub.chmod(0o755)
    return bin_dir


def _calls(log: Path, program: str) -> list[list[str]]:
    return [p.read_bytes().split(b"\0")[:-1] for p in sorted(log.glob(f"{program}.*.argv"))]


def _run_scripts(bundle: Path, work: Path, key: str | None = None) -> Path:
    """Run every script of the bundle with the stubs first on PATH; returns the stub log folder."""
    log = work / f"log-{len(list(work.glob('log-*')))}"
    log.mkdir()
    env = {
        "PATH": f"{_stub_bin(log)}:/usr/bin:/bin",
        "HOME": str(work),
        "STUB_LOG": str(log),
        "LLAMA_CPP_DIR": str(work),
        "TRTLLM_EXAMPLES": str(work),
        "LC_ALL": "C.UTF-8",
    }
    if key is not None:
        env["SLMC_API_KEY"] = key
    for script in sorted(bundle.rglob("*.sh")):
        proc = subprocess.run(
            [BASH, str(script)], cwd=work, env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert proc.returncode == 0, f"{script.relative_to(bundle)} failed: {proc.stderr}"
    return log


def _check_yaml(bundle: Path, target: str, site_ids: list[str], n: Names) -> None:
    manifest = yaml.safe_load((bundle / "slmc-manifest.yaml").read_text(encoding="utf-8"))
    assert set(manifest) >= {"version", "agent", "target", "endpoints", "sites"}
    assert manifest["agent"]["name"] == to_slug(n.folder) and is_slug(manifest["agent"]["name"])
    assert sorted(manifest["sites"]) == sorted(site_ids)
    tools = [s["contract"]["tools"] for s in manifest["sites"].values() if s["contract"]["kind"] == "tool-call"]
    assert tools == [[{"name": n.tool, "parameters": {"type": "object"}}]]
    for site in manifest["sites"].values():
        assert site["task"].startswith("task:") and is_slug(site["adapter"]["name"])
        assert site["adapter"]["path"] == f"adapters/{site['adapter']['name']}"
    served = {name for name, ep in manifest["endpoints"].items() if ep["target"] != "hf"}
    for ep in manifest["endpoints"].values():
        if ep["target"] != "hf":
            assert ep["api_key_env"] == "SLMC_API_KEY" and ep["url"].startswith("http://localhost:")
    if not served:
        assert not (bundle / "docker-compose.yaml").exists()
        return
    compose = yaml.safe_load((bundle / "docker-compose.yaml").read_text(encoding="utf-8"))
    assert set(compose) == {"name", "services", "volumes"} and set(compose["services"]) == served
    for svc in compose["services"].values():
        assert all(p.startswith("127.0.0.1:") for p in svc["ports"])
        assert "--host" in svc["command"] or "--host" in svc["entrypoint"]
    deployments = list(yaml.safe_load_all((bundle / "k8s" / "deployment.yaml").read_text(encoding="utf-8")))
    services = list(yaml.safe_load_all((bundle / "k8s" / "service.yaml").read_text(encoding="utf-8")))
    assert [d["kind"] for d in deployments] == ["Deployment"] * len(served)
    assert [s["kind"] for s in services] == ["Service"] * len(served)
    for doc in deployments + services:
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
        name = doc["metadata"]["name"]
        assert len(name) <= 63 and name[0].isalpha() and set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    for path in sorted((bundle / "trtllm").glob("*.yaml")) if target == "tensorrt-llm" else []:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "lora_config" in data and set(data) <= {"lora_config", "enable_lora"}
        assert data["lora_config"]["lora_dir"] == [f"adapters/{to_slug(t)}" for t in (n.task, f"{n.task}-tools")]


# No shrinking: each example builds five bundles; Hypothesis still prints the failing example as found.
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(names=NAMES)
def test_hostile_names_never_run_and_never_break_a_file(names: Names) -> None:
    with tempfile.TemporaryDirectory(prefix="slmc-inject-") as tmp_dir:
        tmp = Path(tmp_dir)
        marker = tmp / "MARKER"
        n = names.filled(marker)
        graph, site_ids, source = hostile_graph(n)
        build = tmp / "build"
        for i in range(2):
            write_adapter(build / "adapters" / f"t{i}", 8, ATTN)
        work = tmp / "work"
        work.mkdir()
        for case, (target, target_options) in CASES.items():
            options = {
                "build_dir": str(build),
                "agent_name": n.folder,
                "agent_source": f"{n.stem}.py",
                "target_options": target_options,
            }
            bundle = tmp / f"bundle-{case}"
            write_bundle(graph, options, bundle, target)  # its self-check runs bash -n on every script
            for script in bundle.rglob("*.sh"):
                proc = subprocess.run([BASH, "-n", str(script)], capture_output=True, text=True, check=False)
                assert proc.returncode == 0, proc.stderr
            _check_yaml(bundle, target, site_ids, n)
            readme = (bundle / "README.md").read_text(encoding="utf-8")
            assert sum(line.startswith("```") for line in readme.splitlines()) == 2  # names stay inside their spans
            if target_options.get("engine"):  # as if build_engine.sh had built it on a GPU
                (bundle / "build" / "engine-base-0").mkdir(parents=True)
                (bundle / "build" / "engine-base-0" / "config.json").write_text("{}", encoding="utf-8")
            log = _run_scripts(bundle, work)
            assert not marker.exists(), f"{case}: a name ran as a command"
            servers = [c for p in ("vllm", "llama-server", "trtllm-serve") for c in _calls(log, p)]
            if target == "hf":
                assert servers == []
                continue
            assert len(servers) == 1
            argv = servers[0]
            assert argv[argv.index(b"--host") + 1] == b"127.0.0.1"
            if case != "tensorrt-llm-engine" and target != "llamacpp" and "\x00" not in source:  # (GGUF, engine)
                assert source.encode() in argv  # the name reached the server whole, as one argument
        assert not marker.exists()


@pytest.mark.parametrize("case", ["vllm", "llamacpp"])
def test_serve_script_passes_the_key_by_environment_and_refuses_an_open_bind_without_it(
    case: str, tmp_path: Path
) -> None:
    from .graphs import support_workspace

    graph, options = support_workspace(tmp_path)
    options["root"] = None
    bundle = tmp_path / "b"
    write_bundle(graph, options, bundle, case)
    script = bundle / case / "serve.sh"
    text = script.read_text(encoding="utf-8")
    assert "0.0.0.0" not in text and "--host 127.0.0.1" in text and "s3cret" not in text
    work = tmp_path / "w"
    work.mkdir()
    log = _run_scripts(bundle, work, key="s3cret")
    server = "vllm" if case == "vllm" else "llama-server"
    (keys,) = [p.read_text() for p in log.glob(f"{server}.*.keys")]
    assert keys == ("s3cret|" if case == "vllm" else "|s3cret")  # handed over in the server's own variable
    assert b"s3cret" not in b"".join(b"".join(c) for c in _calls(log, server))  # never on the command line

    open_bundle = tmp_path / "open"
    opts = {**options, "target_options": {"host": "0.0.0.0"}}
    write_bundle(graph, opts, open_bundle, case)
    env = {"PATH": f"{_stub_bin(tmp_path / 'w')}:/usr/bin:/bin", "STUB_LOG": str(work)}
    proc = subprocess.run([BASH, str(open_bundle / case / "serve.sh")], env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "set SLMC_API_KEY" in proc.stderr


def test_generated_scripts_bind_loopback_by_default(tmp_path: Path) -> None:
    from .graphs import support_workspace

    graph, options = support_workspace(tmp_path)
    for case, (target, target_options) in CASES.items():
        bundle = tmp_path / case
        write_bundle(graph, {**options, "target_options": target_options}, bundle, target)
        for script in bundle.rglob("*.sh"):
            assert "0.0.0.0" not in script.read_text(encoding="utf-8"), script
        if (bundle / "docker-compose.yaml").exists():
            compose = yaml.safe_load((bundle / "docker-compose.yaml").read_text(encoding="utf-8"))
            for svc in compose["services"].values():
                assert [p.split(":")[0] for p in svc["ports"]] == ["127.0.0.1"]


@pytest.mark.parametrize("host", ["0.0.0.0; touch x", "$(id)", "a b", "fe80::1%$(id)", ""])
def test_host_option_must_be_a_host(host: str, tmp_path: Path) -> None:
    from .graphs import support_workspace

    graph, options = support_workspace(tmp_path)
    with pytest.raises(SlmcError, match="host"):
        write_bundle(graph, {**options, "target_options": {"host": host}}, tmp_path / "b", "vllm")
    with pytest.raises(SlmcError, match="host"):
        write_bundle(graph, {**options, "host": host}, tmp_path / "b", "vllm")


def test_a_script_template_refuses_an_unquoted_value(tmp_path: Path) -> None:
    """Only ``sh`` / ``shcommand`` output and ints may reach a script: a forgotten filter fails at emit time."""
    env = Target().template_env()
    assert env.from_string("x={{ v | sh }} n={{ k | int }}").render(v="a b", k=3) == "x='a b' n=3"
    with pytest.raises(TypeError, match="unquoted value"):
        env.from_string("x={{ v }}").render(v="$(touch x)")
    assert sh("a\n$(b)") == "$'a\\x0a$(b)'" and "\n" not in shcommand(["x", "--y", "a\nb"]).replace(" \\\n", "")


def test_sh_words_round_trip_through_bash(tmp_path: Path) -> None:
    values = [
        "plain",
        "a b",
        "it's",
        "$(touch m)",
        "`m`",
        "a\nb",
        "\x1b[0m",
        "é日本",
        "\u2028",
        "\x95",
        "\\",
        "'\"'",
        "",
    ]
    script = "".join(f"printf '%s\\0' {sh(v)}\n" for v in values)
    out = subprocess.run([BASH, "-c", script], capture_output=True, cwd=tmp_path, env={"LC_ALL": "C.UTF-8"})
    assert out.stdout.split(b"\0")[:-1] == [v.encode() for v in values]
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_issue_example_a_newline_and_command_in_a_name_runs_nothing(case: str, tmp_path: Path) -> None:
    """The report: a name with a newline and ``$(touch X)`` created X when serve.sh ran and passed the self-check."""
    marker = tmp_path / "X"
    n = Names("agent", "agent", "classify", "intent", "pick", f"m\n$(touch {marker})\n#")
    graph, _, _ = hostile_graph(n)
    for i in range(2):
        write_adapter(tmp_path / "build" / "adapters" / f"t{i}", 8, ATTN)
    target, target_options = CASES[case]
    options = {"build_dir": str(tmp_path / "build"), "agent_name": n.folder, "target_options": target_options}
    write_bundle(graph, options, tmp_path / "bundle", target)
    if target_options.get("engine"):
        (tmp_path / "bundle" / "build" / "engine-base-0").mkdir(parents=True)
        (tmp_path / "bundle" / "build" / "engine-base-0" / "config.json").write_text("{}", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    _run_scripts(tmp_path / "bundle", work)
    assert not marker.exists()


def test_self_checks_run_bash_n_on_every_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from slmc.targets.tensorrt_llm.validate import validate_trtllm_dir
    from slmc.targets.vllm import VLLMTarget

    from .graphs import support_workspace

    graph, options = support_workspace(tmp_path)
    options["root"] = None
    bundle = tmp_path / "trt"
    write_bundle(graph, options, bundle, "tensorrt-llm")
    assert validate_trtllm_dir(bundle) == []
    serve = bundle / "trtllm" / "serve.sh"
    serve.write_text(serve.read_text(encoding="utf-8").replace("esac", "esac )"), encoding="utf-8")
    assert [p.where for p in validate_trtllm_dir(bundle)] == ["trtllm/serve.sh"]

    real_emit = VLLMTarget.emit

    def broken_emit(self: VLLMTarget, plan: Any, out_dir: Path) -> list[Path]:
        paths = real_emit(self, plan, out_dir)
        paths[0].write_text("case x in\n", encoding="utf-8")  # a script bash cannot parse
        return paths

    monkeypatch.setattr(VLLMTarget, "emit", broken_emit)
    with pytest.raises(SlmcError, match=r"vllm/serve.sh: bash -n failed"):
        write_bundle(graph, options, tmp_path / "v", "vllm")
    assert not (tmp_path / "v").exists()
