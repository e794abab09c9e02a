"""A text-generation API asked for images or audio only (Gemini ``generate_content`` with a config whose response
modalities hold no text) is a look-alike, whatever the model is called; one that may answer in text stays a site."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_SRC = """
    from google import genai
    from google.genai import types

    client = genai.Client()


    def draw(model_name, brief, wide):
        if wide:
            config = types.GenerateContentConfig(response_modalities=["IMAGE"])
        else:
            config = types.GenerateContentConfig(response_modalities=["Image"], temperature=0.4)
        return client.models.generate_content(model=model_name, contents=brief, config=config)


    def speak(model_name, line):
        return client.models.generate_content(
            model=model_name, contents=line, config={"response_modalities": ["AUDIO"]}
        )


    def caption(model_name, photo):
        config = types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"])
        return client.models.generate_content(model=model_name, contents=[photo, "Caption this."], config=config)


    def answer(model_name, question):
        return client.models.generate_content(model=model_name, contents=question)
"""


def test_image_or_audio_only_output_is_no_llm_call(tmp_path: Path) -> None:
    write_tree(tmp_path, {"studio.py": _SRC})
    graph = analysed_graph(tmp_path)
    lines = sorted(s.loc.line for s in graph.sites(SiteKind.REQUEST) if s.loc.path == "studio.py")
    assert lines == [24, 28]  # caption (text among the modalities) and answer (no config)
