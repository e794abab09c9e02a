"""Replicate's client object (``Client(api_token=...)`` from ``replicate`` or ``replicate.client``) runs any hosted
model: ``client.run(model, input={"prompt": ...})`` of a language model is a request; one naming an image model
(``stability-ai/stable-diffusion``) is a look-alike and stays silent, as the module function's does."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

GEN = """
    import replicate
    from replicate.client import Client


    class Chat:
        def __init__(self, key, model):
            self.client = Client(api_token=key)
            self.model = model

        def ask(self, history):
            prompt = "\\n".join(m["content"] for m in history)
            return "".join(self.client.run(self.model, input={"prompt": prompt}))


    def picture(text):
        client = replicate.Client("k")
        return client.run("stability-ai/stable-diffusion:abc", input={"prompt": text})


    def main(q):
        print(Chat("k", "meta/llama-3-70b").ask([{"role": "user", "content": q}]), picture(q))
"""


def test_replicate_client_run_is_a_request_unless_an_image_model(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/gen.py": GEN})
    sites = sites_in(tmp_path, "app/gen.py")
    assert (line_of(GEN, "self.client.run("), "request") in sites
    assert (line_of(GEN, "def ask("), "wrapper") in sites
    assert not any(line == line_of(GEN, "return client.run(") for line, _ in sites)
