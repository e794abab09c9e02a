"""The in-process ``hf`` backend on tiny models built from config (no hub): LoRA causal LM and a classifier head."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import slmc.runtime as runtime
from slmc.runtime import SLMRequest

from .servers import LABELS, SITE, write_manifest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
peft = pytest.importorskip("peft")

WORDS = ["billing", "tech", "other", "refund", "please", "wifi", "down", "user", "assistant", "system", ":", "classify"]


def _tokenizer() -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {tok: i for i, tok in enumerate(["<pad>", "<unk>", "<eos>", *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", eos_token="<eos>"
    )


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hf")
    torch.manual_seed(0)
    tokenizer = _tokenizer()
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=64, pad_token_id=0, eos_token_id=2, bos_token_id=2,
    )  # fmt: skip
    base = transformers.LlamaForCausalLM(config)
    base.generation_config.suppress_tokens = [0, 1, 2]  # random weights: never stop early on <eos>/<pad>
    base.save_pretrained(root / "base")
    tokenizer.save_pretrained(root / "base")
    lora = peft.get_peft_model(
        base, peft.LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    )
    lora.save_pretrained(root / "adapters" / "intent")
    head = transformers.LlamaForSequenceClassification(
        transformers.LlamaConfig(
            **{
                **config.to_dict(),
                "num_labels": 3,
                "id2label": dict(enumerate(LABELS)),
                "label2id": {k: i for i, k in enumerate(LABELS)},
            }
        )
    )
    head.save_pretrained(root / "adapters" / "intent-head")
    tokenizer.save_pretrained(root / "adapters" / "intent-head")
    return root


def _manifest(root: Path, **site: Any) -> Path:
    path = write_manifest(root, None, target="hf", **site)
    text = path.read_text(encoding="utf-8").replace("base_model: models/base-0", "base_model: base")
    path.write_text(text, encoding="utf-8")
    return path


def test_hf_lora_generation_with_text_contract(tiny_models):
    runtime.configure(_manifest(tiny_models, contract={"kind": "text", "max_length": 400}, max_tokens=4), warm=True)

    def llm(**kwargs: Any) -> Any:
        raise AssertionError("the SLM should serve this call")

    resp = runtime.call(SITE, "openai.chat", llm, model="m", messages=[{"role": "user", "content": "refund please"}])
    text = resp.choices[0].message.content
    assert len(text.split()) == 4 and set(text.split()) <= set(WORDS)  # max_tokens from the manifest
    router = runtime.active_router()
    backend = router.backend(router.sites[SITE])
    assert backend._adapters == {"intent"}  # the LoRA adapter was loaded onto the base by name
    # the answer carries a real confidence (mean token log-prob) from the model
    again = backend.complete(
        SLMRequest(messages=[{"role": "user", "content": "wifi down"}], max_tokens=3), router.sites[SITE], 5.0
    )
    assert again.confidence is not None and again.confidence <= 0 and again.completion_tokens <= 3


def test_hf_classifier_head_answers_a_label(tiny_models):
    path = _manifest(
        tiny_models,
        adapter={"name": "intent-head", "path": "adapters/intent-head", "int_id": 0, "kind": "classifier-head"},
        threshold=-5.0,
    )
    runtime.configure(path, warm=True)
    resp = runtime.call(
        SITE, "openai.chat", lambda **kw: None, model="m", messages=[{"role": "user", "content": "my wifi is down"}]
    )
    assert resp.choices[0].message.content in LABELS
    assert runtime.stats()["served_by_slm"] == 1


def test_a_slow_loading_model_is_not_loaded_inside_a_request(tiny_models, monkeypatch):
    load = transformers.AutoModelForCausalLM.from_pretrained

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2.0)
        return load(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", slow_load)
    runtime.configure(_manifest(tiny_models, contract={"kind": "text", "max_length": 400}, max_tokens=4, timeout_s=1))

    def llm(**kwargs: Any) -> str:
        return "from the LLM"

    request = {"model": "m", "messages": [{"role": "user", "content": "refund please"}]}
    t0 = time.perf_counter()
    assert runtime.call(SITE, "openai.chat", llm, **request) == "from the LLM"
    # before: the request loaded the model itself (2 s here, 19-25 s for a real one) and then answered from it
    assert time.perf_counter() - t0 < 0.5
    assert runtime.stats()["fallbacks"] == {"not-ready": 1}
    # the request started the load in the background; warm_up waits for it, then the SLM serves
    assert runtime.warm_up() == {"base-0": "ready"}
    text = runtime.call(SITE, "openai.chat", llm, **request).choices[0].message.content
    assert set(text.split()) <= set(WORDS) and runtime.stats()["served_by_slm"] == 1


def test_slmc_warm_loads_an_environment_manifest_before_its_first_call(tiny_models, monkeypatch):
    monkeypatch.setenv("SLMC_MANIFEST", str(_manifest(tiny_models, contract={"kind": "text", "max_length": 400})))
    monkeypatch.setenv("SLMC_WARM", "1")
    resp = runtime.call(SITE, "openai.chat", lambda **kw: None, model="m", messages=[{"role": "user", "content": "x"}])
    assert resp.choices[0].message.content and runtime.stats()["served_by_slm"] == 1


def test_hf_missing_model_files_fall_back(tmp_path):
    path = write_manifest(tmp_path, None, target="hf")  # base_model "models/base-0" does not exist

    def llm(**kwargs: Any) -> str:
        return "from the LLM"

    with pytest.warns(RuntimeWarning, match="base-0"):
        runtime.configure(path, warm=True)
    assert (
        runtime.call(SITE, "openai.chat", llm, model="m", messages=[{"role": "user", "content": "x"}]) == "from the LLM"
    )
    assert set(runtime.stats()["fallbacks"]) == {"backend-error"}


def test_configuring_an_hf_manifest_does_not_import_torch(tmp_path):
    path = write_manifest(tmp_path, None, target="hf")
    code = f"import sys, slmc.runtime as r; r.configure({str(path)!r}); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
