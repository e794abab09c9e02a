"""Issue 17: bundles that start. Containers run inside their images, the README names only what exists, engine mode
serves adapters with LoRA on, the whole-bundle validator checks every target against the upstream it pins, and the
plan says why an encoder head is not served by the GPU stack."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import yaml

from slmc.codegen.bundle import write_bundle
from slmc.passes.plan_serving import lower_serving_plan
from slmc.runtime.backends import TensorRTLLMBackend
from slmc.targets import upstream
from slmc.targets.llamacpp.target import LLAMACPP_IMAGE
from slmc.targets.tensorrt_llm.target import TRTLLM_IMAGE
from slmc.targets.validate import validate_bundle
from slmc.targets.vllm.target import VLLM_IMAGE

from .graphs import TOPIC_SITE, mixed_workspace, support_workspace


def messages(problems: list) -> str:
    return "\n".join(map(str, problems))


def bundle_of(tmp_path: Path, target: str, heads: bool = False, lora: bool = True, **target_options: object) -> Path:
    graph, options = mixed_workspace(tmp_path, lora) if heads else support_workspace(tmp_path)
    out = tmp_path / "bundle"
    write_bundle(graph, {**options, "target_options": target_options}, out, target)
    return out


def load_all(path: Path) -> list:
    return list(yaml.safe_load_all(path.read_text(encoding="utf-8")))


# ---- 1. llama.cpp containers ----------------------------------------------------------------------------------------
def test_llamacpp_containers_keep_the_image_entrypoint(tmp_path: Path) -> None:
    """The server image's ENTRYPOINT is /app/llama-server and /app is not on PATH: compose and k8s pass arguments only
    (k8s ``args``: ``command`` would replace the ENTRYPOINT), keep the image's WORKDIR, and name bundle files by their
    absolute mount path."""
    bundle = bundle_of(tmp_path, "llamacpp")
    svc = yaml.safe_load((bundle / "docker-compose.yaml").read_text())["services"]["base-0"]
    assert "entrypoint" not in svc and "working_dir" not in svc
    assert svc["command"][:2] == ["-m", "/bundle/gguf/base-0-f16.gguf"]
    assert "./gguf:/bundle/gguf:ro" in svc["volumes"]
    container = load_all(bundle / "k8s" / "deployment.yaml")[0]["spec"]["template"]["spec"]["containers"][0]
    assert "command" not in container and "workingDir" not in container
    assert container["args"] == svc["command"]
    assert upstream.image_facts(container["image"]).entrypoint == ("/app/llama-server",)
    assert validate_bundle(bundle) == []


def test_validator_finds_a_program_that_is_not_in_the_image(tmp_path: Path) -> None:
    bundle = bundle_of(tmp_path, "llamacpp")
    compose = bundle / "docker-compose.yaml"
    doc = yaml.safe_load(compose.read_text())
    svc = doc["services"]["base-0"]
    svc["entrypoint"] = ["llama-server"]  # what main wrote
    compose.write_text(yaml.safe_dump(doc))
    deploy = bundle / "k8s" / "deployment.yaml"
    docs = load_all(deploy)
    container = docs[0]["spec"]["template"]["spec"]["containers"][0]
    container["command"] = ["llama-server", *container.pop("args")]
    deploy.write_text(yaml.safe_dump_all(docs))
    found = messages(validate_bundle(bundle))
    assert "docker-compose.yaml: services.base-0: 'llama-server' is not on the PATH" in found
    assert "k8s/deployment.yaml: slmc-support-agent-base-0/server: 'llama-server' is not on the PATH" in found

    container["command"] = ["/app/llama-server", *container["command"][1:]]  # absolute: resolves in the image
    container["workingDir"] = "/bundle"
    container["command"][2] = "gguf/nope.gguf"
    deploy.write_text(yaml.safe_dump_all(docs))
    found = messages(validate_bundle(bundle))
    assert "server: '/app/llama-server'" not in found
    assert "server: path gguf/nope.gguf is neither in the bundle nor made by its scripts" in found


# ---- 2. README --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["vllm", "tensorrt-llm"])
def test_readme_names_only_what_was_written(tmp_path: Path, target: str) -> None:
    """Every offloaded task is an encoder head (served in-process): no vllm/ or trtllm/ folder, no containers, so
    the README names none of them and calls adapters/ what it holds."""
    bundle = bundle_of(tmp_path, target, heads=True, lora=False)
    assert not (bundle / "vllm").exists() and not (bundle / "trtllm").exists()
    assert not (bundle / "docker-compose.yaml").exists()
    readme = (bundle / "README.md").read_text()
    for absent in ("vllm/", "trtllm/", "serve.sh", "docker compose", "k8s/", "LoRA adapter"):
        assert absent not in readme, absent
    assert "| `adapters/` | 1 classifier head(s), served in-process by the hf target: topic |" in readme
    assert "the runtime loads the classifier heads" in readme
    assert validate_bundle(bundle) == []


def test_readme_lists_target_files_and_adapter_kinds(tmp_path: Path) -> None:
    bundle = bundle_of(tmp_path, "hf", heads=True)
    readme = (bundle / "README.md").read_text()
    assert "`hf/`" not in readme and not (bundle / "hf").exists()  # the in-process target writes no scripts
    assert "| `adapters/` | 2 LoRA adapter(s) (peft format): intent, order-id |" in readme
    assert "1 classifier head(s)" in readme
    bundle = bundle_of(tmp_path / "t", "tensorrt-llm", engine=True)
    readme = (bundle / "README.md").read_text()
    assert "`trtllm/build_engine.sh`, `trtllm/extra_llm_api_options.yaml`, `trtllm/serve.sh`" in readme


def test_validator_finds_a_readme_naming_a_missing_file(tmp_path: Path) -> None:
    bundle = bundle_of(tmp_path, "vllm")
    (bundle / "vllm" / "serve.sh").unlink()
    found = messages(validate_bundle(bundle))
    assert "README.md: names vllm/serve.sh, which the bundle does not hold" in found
    assert "vllm/serve.sh: missing, but the manifest has vllm endpoints" in found


# ---- 3. engine mode ---------------------------------------------------------------------------------------------------
def test_engine_mode_serves_adapters_with_lora_on(tmp_path: Path) -> None:
    """The legacy-engine serve line passes the LoRA LlmArgs (``enable_lora`` + ``lora_config``) with the flag the
    pinned release's LoRA docs use, ``--extra_llm_api_options``; the PyTorch line uses the same flag."""
    bundle = bundle_of(tmp_path, "tensorrt-llm", engine=True)
    serve = (bundle / "trtllm" / "serve.sh").read_text()
    assert "--backend tensorrt" in serve and "--extra_llm_api_options trtllm/extra_llm_api_options.yaml" in serve
    options = yaml.safe_load((bundle / "trtllm" / "extra_llm_api_options.yaml").read_text())
    assert options["enable_lora"] is True
    assert options["lora_config"]["lora_dir"] == ["adapters/intent", "adapters/order-id"]
    assert options["lora_config"]["max_lora_rank"] == 16
    compose = yaml.safe_load((bundle / "docker-compose.yaml").read_text())["services"]["base-0"]["command"]
    assert "--extra_llm_api_options" in compose
    assert validate_bundle(bundle) == []

    pytorch = bundle_of(tmp_path / "pt", "tensorrt-llm")
    text = (
        "".join(p.read_text() for p in (pytorch / "trtllm").iterdir()) + (pytorch / "docker-compose.yaml").read_text()
    )
    assert "--config" not in text and "--extra_llm_api_options" in text


def test_validator_finds_lora_switched_off(tmp_path: Path) -> None:
    bundle = bundle_of(tmp_path, "tensorrt-llm", engine=True)
    path = bundle / "trtllm" / "extra_llm_api_options.yaml"
    doc = yaml.safe_load(path.read_text())
    del doc["enable_lora"]
    path.write_text(yaml.safe_dump(doc))
    assert "the TensorRT backend serves no adapter without enable_lora: true" in messages(validate_bundle(bundle))

    serve = bundle / "trtllm" / "serve.sh"
    serve.write_text(serve.read_text().replace("--extra_llm_api_options", "--config"))
    found = messages(validate_bundle(bundle))
    assert "'--config' is not a trtllm-serve 1.2.1 flag slmc knows" in found
    assert "base-0 serves adapters without --extra_llm_api_options (LoRA off)" in found


# ---- 4. the validator and its tables ------------------------------------------------------------------------------
def test_tables_are_pinned_with_their_version() -> None:
    assert "attn_qkv" not in upstream.TRTLLM_TO_HF  # lora_helper's default map has none
    assert upstream.LORA_MODULE_IDS["attn_qkv"] == 0  # but it is a module id (fused qkv)
    assert set(upstream.LORA_CONFIG_KEYS) >= {"lora_dir", "max_lora_rank", "max_loras", "max_cpu_loras"}
    assert upstream.TRTLLM_TABLES_VERSION == upstream.TRTLLM_VERSION == "1.2.1"
    assert "tensorrt-llm/release:1.2.1" in TRTLLM_IMAGE
    assert VLLM_IMAGE.endswith(f":v{upstream.VLLM_VERSION}")
    assert LLAMACPP_IMAGE.endswith(f":server-{upstream.LLAMACPP_BUILD}")
    for image in upstream.IMAGES.values():
        assert any(v in image.source for v in ("1.2.1", "0.33.0", upstream.LLAMACPP_BUILD))


def test_lora_config_keys_are_the_pinned_ones() -> None:
    """LoraConfig's gate/up swap flag is ``swap_gate_up_proj_lora_b_weight``; ``swap_gate_up_proj`` is no field."""
    from slmc.targets.tensorrt_llm.validate import validate_llm_api_options

    lora = {"lora_dir": [], "max_lora_rank": 8, "max_loras": 1, "max_cpu_loras": 1, "lora_target_modules": []}
    found = messages(validate_llm_api_options({"lora_config": {**lora, "swap_gate_up_proj": False}}))
    assert "lora_config.swap_gate_up_proj: unknown key" in found
    assert validate_llm_api_options({"lora_config": {**lora, "swap_gate_up_proj_lora_b_weight": False}}) == []


def test_runtime_request_keys_are_chat_completion_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """trtllm-serve's ChatCompletionRequest forbids unknown fields: what the runtime sends must be among them, and
    the lora_request path must resolve from the server's working directory."""
    bundle = bundle_of(tmp_path, "tensorrt-llm", heads=True)
    assert validate_bundle(bundle) == []
    original = TensorRTLLMBackend.select_adapter

    def extra_body(self, body, site):  # the OpenAI SDK's habit: a nested extra_body the server rejects
        original(self, body, site)
        body["extra_body"] = {"lora_request": body.pop("lora_request", None)}

    monkeypatch.setattr(TensorRTLLMBackend, "select_adapter", extra_body)
    found = messages(validate_bundle(bundle))
    assert "the runtime sends ['extra_body'], which ChatCompletionRequest (1.2.1) rejects" in found
    assert "no lora_request: the adapter would not be applied" in found
    monkeypatch.undo()

    def extra_key(self, body, site):
        original(self, body, site)
        body["lora_request"]["lora_scale"] = 1.0

    monkeypatch.setattr(TensorRTLLMBackend, "select_adapter", extra_key)
    assert "['lora_scale'] are not LoRARequest fields" in messages(validate_bundle(bundle))
    monkeypatch.undo()

    path = bundle / "slmc-manifest.yaml"
    manifest = yaml.safe_load(path.read_text())
    manifest["sites"]["llm:classify@agent.py:16"]["adapter"]["lora_request"]["lora_path"] = "intent"
    path.write_text(yaml.safe_dump(manifest))
    assert "'intent' does not resolve from the server's working directory" in messages(validate_bundle(bundle))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("--max-lora-rank 16", "--max-lora-rank 24", "--max-lora-rank 24 is not one of"),
        ("--max-lora-rank 16", "--max-lora-rank 8", "adapter intent has r=16 > --max-lora-rank 8"),
        ("order-id=adapters/order-id", "intent=adapters/order-id", "adapter name 'intent' is given twice"),
        ("order-id=adapters/order-id", "order-id=adapters/a=b,c", "adapter path 'adapters/a=b,c' holds '=' or ','"),
        ("--max-cpu-loras 2", "--max-cpu-loras 1", "--max-cpu-loras 1 < --max-loras 2"),
        ("--enable-lora", "--enable-loras", "'--enable-loras' is not a vllm serve 0.33.0 flag"),
    ],
)
def test_vllm_checks(tmp_path: Path, old: str, new: str, expected: str) -> None:
    bundle = bundle_of(tmp_path, "vllm", heads=True)
    assert validate_bundle(bundle) == []
    _edit(bundle / "vllm" / "serve.sh", old, new)
    assert expected in messages(validate_bundle(bundle))


def test_llamacpp_checks(tmp_path: Path) -> None:
    bundle = bundle_of(tmp_path, "llamacpp")
    assert validate_bundle(bundle) == []
    convert = bundle / "llamacpp" / "convert.sh"
    serve = bundle / "llamacpp" / "serve.sh"
    original = convert.read_text(), serve.read_text()

    _edit(convert, "--outfile gguf/intent-f16.gguf --outtype f16", "--outfile gguf/intent-f16.gguf --outtype q4_0")
    assert "--outtype q4_0 is not accepted (b9603: f32, f16, bf16, q8_0, auto)" in messages(validate_bundle(bundle))
    convert.write_text(original[0])

    _edit(convert, 'adapters/intent --base "$base_dir"', "adapters/intent --base models/missing")
    assert "--base models/missing is not a folder with config.json" in messages(validate_bundle(bundle))
    _edit(convert, '    Qwen/Qwen2.5-0.5B-Instruct "$base_dir"', "    Qwen/Qwen2.5-0.5B-Instruct elsewhere")
    assert "--base build/hf-base-0 is not a folder with config.json" in messages(validate_bundle(bundle))
    convert.write_text(original[0])

    # the adapters' --lora order swapped: the manifest's ids (flag order) no longer match
    _edit(
        serve,
        "--lora gguf/intent-f16.gguf \\\n      --lora gguf/order-id-f16.gguf",
        "--lora gguf/order-id-f16.gguf \\\n      --lora gguf/intent-f16.gguf",
    )
    found = messages(validate_bundle(bundle))
    assert "sites.llm:classify@agent.py:16.adapter.int_id: 0 but adapters/intent is --lora number 1" in found
    serve.write_text(original[1])
    assert validate_bundle(bundle) == []


def test_llamacpp_outtype_option_is_checked_before_writing(tmp_path: Path) -> None:
    from slmc.errors import SlmcError

    graph, options = support_workspace(tmp_path)
    with pytest.raises(SlmcError, match=r"'q4_k' is not an --outtype convert_lora_to_gguf\.py"):
        write_bundle(graph, {**options, "target_options": {"outtype": "q4_k"}}, tmp_path / "b", "llamacpp")
    assert not (tmp_path / "b").exists()


# ---- 5. encoder heads on a GPU server -------------------------------------------------------------------------------
def test_plan_says_why_a_gpu_stack_does_not_serve_encoder_heads(tmp_path: Path) -> None:
    graph, options = mixed_workspace(tmp_path)
    notes = " ".join(lower_serving_plan(graph, options, "vllm").notes)
    assert "task:topic: classifier-head is not servable by vllm; served in-process by the hf target" in notes
    assert "not a *ForSequenceClassification model: vLLM's pooling runner cannot load it" in notes
    notes = " ".join(lower_serving_plan(graph, options, "tensorrt-llm").notes)
    assert "tensorrt-llm serves chat completions only; a classifier head answers with a label" in notes

    # a sequence classifier's config without its weights and tokenizer: the plan says what vLLM would need
    head = Path(str(options["build_dir"])) / "adapters" / "topic"
    (head / "config.json").write_text(json.dumps({"architectures": ["BertForSequenceClassification"]}))
    notes = " ".join(lower_serving_plan(graph, options, "vllm").notes)
    assert "BertForSequenceClassification folder holds no model.safetensors or model.safetensors.index.json" in notes
    assert "holds no tokenizer (tokenizer.json or tokenizer_config.json) for vLLM to load" in notes
    # an architecture the pinned vLLM has no classifier for
    (head / "config.json").write_text(json.dumps({"architectures": ["FalconForSequenceClassification"]}))
    notes = " ".join(lower_serving_plan(graph, options, "vllm").notes)
    assert f"vLLM {upstream.VLLM_VERSION}'s pooling runner has no FalconForSequenceClassification" in notes
    bundle = tmp_path / "bundle"
    write_bundle(graph, options, bundle, "vllm")
    manifest = yaml.safe_load((bundle / "slmc-manifest.yaml").read_text())
    assert manifest["endpoints"][manifest["sites"][TOPIC_SITE]["endpoint"]]["target"] == "hf"
    assert any("FalconForSequenceClassification" in n for n in manifest["notes"])
    assert validate_bundle(bundle) == []


def test_vllm_serves_a_sequence_classifier_with_its_pooling_runner(tmp_path: Path) -> None:
    """A *ForSequenceClassification head of the pinned vLLM gets a vLLM server of its own (--runner pooling,
    --convert classify) whose model is the classifier folder; the LoRA adapters keep their chat server."""
    graph, options = mixed_workspace(tmp_path, sequence=True)
    plan = lower_serving_plan(graph, options, "vllm")
    assert not any("task:topic" in n for n in plan.notes)
    bundle = tmp_path / "bundle"
    write_bundle(graph, options, bundle, "vllm")
    manifest = yaml.safe_load((bundle / "slmc-manifest.yaml").read_text())
    site = manifest["sites"][TOPIC_SITE]
    endpoint = manifest["endpoints"][site["endpoint"]]
    assert site["adapter"] == {"name": "topic", "path": "adapters/topic", "int_id": 1, "kind": "classifier-head"}
    assert (endpoint["target"], endpoint["model"], endpoint["base_model"]) == ("vllm", *("adapters/topic",) * 2)
    serve = (bundle / "vllm" / "serve.sh").read_text()
    assert "exec vllm serve adapters/topic \\\n      --host 127.0.0.1 \\\n      --port 8000 \\\n" in serve
    assert "--runner pooling \\\n      --convert classify\n" in serve
    compose = yaml.safe_load((bundle / "docker-compose.yaml").read_text())["services"][site["endpoint"]]
    assert compose["command"][:2] == ["serve", "adapters/topic"] and compose["command"][-4:] == [
        "--runner",
        "pooling",
        "--convert",
        "classify",
    ]
    assert "./adapters:/bundle/adapters:ro" in compose["volumes"]
    readme = (bundle / "README.md").read_text()
    assert "1 sequence classifier(s), each served by a vLLM pooling server (POST /classify): topic" in readme
    assert "served in-process" not in readme
    litellm = (bundle / "litellm" / "config.yaml").read_text()
    assert f"{TOPIC_SITE}: endpoint {site['endpoint']} is a classifier (POST /classify), not a chat model" in litellm
    assert validate_bundle(bundle) == []


def test_runtime_asks_a_vllm_classifier_with_post_classify(tmp_path: Path) -> None:
    """The runtime posts the text the in-process classifier reads to ``/classify`` at the server root (not /v1),
    with only ClassificationRequest fields, and serves the label with its log-probability as the confidence."""
    import math

    from slmc import runtime
    from slmc.runtime.backends import VLLMBackend
    from slmc.runtime.manifest import load_manifest
    from slmc.runtime.types import SLMRequest

    graph, options = mixed_workspace(tmp_path, sequence=True)
    bundle = tmp_path / "bundle"
    write_bundle(graph, options, bundle, "vllm")
    answer = {
        "id": "classify-1",
        "object": "list",
        "created": 0,
        "model": "adapters/topic",
        "data": [{"index": 0, "label": "shipping", "probs": [0.05, 0.9, 0.05], "num_classes": 3}],
        "usage": {"prompt_tokens": 7, "total_tokens": 7},
    }
    server = ClassifyServer(answer)
    try:
        path = bundle / "slmc-manifest.yaml"
        manifest = yaml.safe_load(path.read_text())
        endpoint = manifest["sites"][TOPIC_SITE]["endpoint"]
        manifest["endpoints"][endpoint]["url"] = server.url + "/v1"
        path.write_text(yaml.safe_dump(manifest))
        loaded = load_manifest(path)
        backend = VLLMBackend(loaded.endpoints[endpoint])
        request = SLMRequest(
            messages=[{"role": "system", "content": "Name the topic."}, {"role": "user", "content": "where is it?"}]
        )
        got = backend.complete(request, loaded.sites[TOPIC_SITE], 5.0)
        assert (got.content, got.prompt_tokens) == ("shipping", 7)
        assert got.confidence == pytest.approx(math.log(0.9))
        assert server.requests == [("/classify", {"model": "adapters/topic", "input": "where is it?"})]

        calls: list[dict] = []

        def llm(**request: object) -> object:
            calls.append(request)
            raise AssertionError("the LLM was asked")

        runtime.configure(path)
        try:
            resp = runtime.call(TOPIC_SITE, "openai.chat", llm, model="gpt-4o", messages=request.messages)
        finally:
            runtime.configure(None)
        assert resp.choices[0].message.content == "shipping" and calls == []

        answer["data"][0]["label"] = "LABEL_2"  # a model that knows no label names: the contract's, by index
        answer["data"][0]["probs"] = [0.1, 0.1, 0.8]
        assert backend.complete(request, loaded.sites[TOPIC_SITE], 5.0).content == "other"
    finally:
        server.close()


class ClassifyServer:
    """A real HTTP server on 127.0.0.1 answering every POST with ``answer`` (404 off ``/classify``), recording
    (path, JSON body) of each request."""

    def __init__(self, answer: dict) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[tuple[str, object]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                outer.requests.append((self.path, body))
                payload = json.dumps(answer).encode()
                self.send_response(200 if self.path == "/classify" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("vllm/serve.sh", " \\\n      --runner pooling", ""), "without --runner pooling (chat only)"),
        (("vllm/serve.sh", "--runner pooling", "--runner pool"), "--runner pool is not one of auto, generate"),
        (("vllm/serve.sh", "--convert classify", "--convert embed"), "the classifier needs --convert classify"),
        (("vllm/serve.sh", "vllm serve adapters/topic", "vllm serve adapters/intent"), "not the classifier adapters"),
        (
            ("adapters/topic/config.json", "BertForSequenceClassification", "FalconForSequenceClassification"),
            "pooling runner has no FalconForSequenceClassification",
        ),
        (("slmc-manifest.yaml", "model: adapters/topic", "model: topic"), "is not the model path the server answers"),
    ],
)
def test_validator_checks_a_vllm_classifier(tmp_path: Path, edit: tuple[str, str, str], expected: str) -> None:
    graph, options = mixed_workspace(tmp_path, sequence=True)
    bundle = tmp_path / "bundle"
    write_bundle(graph, options, bundle, "vllm")
    assert validate_bundle(bundle) == []
    _edit(bundle / edit[0], edit[1], edit[2])
    assert expected in messages(validate_bundle(bundle))


def test_validator_checks_the_gateway_files_the_readme_names(tmp_path: Path) -> None:
    bundle = bundle_of(tmp_path, "vllm")
    (bundle / "litellm" / "config.yaml").unlink()
    assert "README.md: names litellm/config.yaml, which the bundle does not hold" in messages(validate_bundle(bundle))
