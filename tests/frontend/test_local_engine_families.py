"""Local and self-served inference engines as client families: an LMDeploy pipeline (batch and async-engine
generation), the OpenAI-style client of an LMDeploy api_server, built inside the methods that use them."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree

LMDEPLOY = """
    class LocalEngine:
        def __init__(self, path):
            from lmdeploy import GenerationConfig, pipeline

            self.engine = pipeline(path)
            self.config = GenerationConfig(max_new_tokens=128)

        def complete(self, prompts):
            outs = self.engine.batch_infer(prompts, gen_config=self.config)
            return [o.text for o in outs]

        async def complete_async(self, prompt, session):
            text = ""
            async for piece in self.engine.generate(prompt, session, self.config, stream_response=True):
                text += piece.response
            return text

        def shutdown(self):
            self.engine.close()


    class ServedEngine:
        def __init__(self, url, name):
            from lmdeploy.serve.openai.api_client import APIClient

            self.api = APIClient(url)
            self.name = name

        def complete(self, prompt):
            for chunk in self.api.completions_v1(self.name, prompt, stream=False):
                return chunk["choices"][0]["text"]

        def models(self):
            return self.api.available_models
"""


def test_lmdeploy_pipeline_and_api_client_requests(tmp_path: Path) -> None:
    write_tree(tmp_path, {"eng/local.py": LMDEPLOY})
    graph = analysed_graph(tmp_path)
    for line in (10, 15, 31):
        site = site_at(graph, "eng/local.py", line)
        assert str(site.site) == "request"
        assert site.client == "lmdeploy"
    lines = {s.loc.line for s in graph.sites() if str(s.site) == "request"}
    assert 20 not in lines  # close() ends the engine, sends nothing


VLLM_ASYNC = """
    class AsyncServer:
        def __init__(self, path):
            from vllm import AsyncEngineArgs, AsyncLLMEngine

            self.engine = AsyncLLMEngine.from_engine_args(AsyncEngineArgs(model=path))

        async def complete(self, prompt, params, rid):
            last, stream = None, self.engine.generate(prompt, sampling_params=params, request_id=rid)
            async for out in stream:
                last = out.outputs[0]
            return last.text

        async def cancel(self, rid):
            await self.engine.abort(rid)
"""


def test_vllm_async_engine_generate_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"eng/served.py": VLLM_ASYNC})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "eng/served.py", 9)
    assert str(site.site) == "request"
    assert site.client == "vllm"
    assert not [s for s in graph.sites() if s.loc.line == 15]  # abort() cancels, sends nothing


REMOTE_CODE = """
    from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer


    class ChatCheckpoint:
        def __init__(self, path):
            self.tok = AutoTokenizer.from_pretrained(path, trust_remote_code=True)
            self.model = AutoModel.from_pretrained(path, trust_remote_code=True).eval()

        def reply(self, query, history):
            answer, history = self.model.chat(self.tok, query, history=history)
            return answer


    class Encoder:
        def __init__(self, path):
            self.model = AutoModel.from_pretrained(path)

        def chat(self, text):
            return self.model.chat(text)


    class Causal:
        def __init__(self, path):
            self.model = AutoModelForCausalLM.from_pretrained(path, trust_remote_code=True)

        def stream(self, tok, query):
            for part in self.model.stream_chat(tok, query, history=[]):
                yield part
"""


def test_remote_code_chat_api_is_a_local_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"eng/hf.py": REMOTE_CODE})
    graph = analysed_graph(tmp_path)
    for line in (11, 28):
        site = site_at(graph, "eng/hf.py", line)
        assert str(site.site) == "request"
        assert site.client == "hf"
    # a plain AutoModel without the checkpoint's own code is an encoder: no chat API, no request
    assert not [s for s in graph.sites() if s.loc.line == 20 and str(s.site) == "request"]


MANUAL_LOOP = """
    import torch
    from transformers import AutoModelForCausalLM


    class Sampler:
        def __init__(self, path):
            self.model = AutoModelForCausalLM.from_pretrained(path)

        def sample(self, ids, steps):
            kwargs = {}
            for _ in range(steps):
                inputs = self.model.prepare_inputs_for_generation(ids, **kwargs)
                out = self.model(**inputs, return_dict=True)
                nxt = torch.argmax(out.logits[:, -1, :], dim=-1)
                ids = torch.cat([ids, nxt[:, None]], dim=-1)
            return ids

        def score(self, ids):
            return self.model(input_ids=ids).logits.log_softmax(-1)
"""


def test_forward_step_of_a_hand_rolled_generation_loop_is_a_request(tmp_path: Path) -> None:
    write_tree(tmp_path, {"eng/loop.py": MANUAL_LOOP})
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "eng/loop.py", 14)
    assert str(site.site) == "request"
    assert site.client == "hf"
    # a forward pass outside a decoding loop (scoring) is no generation request
    assert not [s for s in graph.sites() if s.loc.line == 20 and str(s.site) == "request"]
