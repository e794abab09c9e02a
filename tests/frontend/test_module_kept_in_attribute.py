"""A provider whose accessor hands back the ``litellm`` module stored in an attribute, unless a client object was
passed in and kept in a second attribute (``self.client = self._kept``): the module is the only client the tree
shows, so a call through the accessor is a request and the method holding it a wrapper."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

SOURCE = """
    from dataclasses import dataclass
    from typing import Any, Optional

    import litellm


    @dataclass
    class Provider:
        model_id: str
        client: Optional[Any] = None
        _kept: Optional[Any] = None

        def __post_init__(self):
            if self.client is not None and self._kept is None:
                self._kept = self.client

        def connection(self) -> Any:
            if self.client is not None:
                return self.client
            if self._kept is not None:
                self.client = self._kept
                return self.client
            self.client = litellm
            return self.client

        def complete(self, messages):
            out = self.connection().completion(model=self.model_id, messages=messages)
            return out.choices[0].message.content


    def main():
        print(Provider("gpt-4o-mini").complete([{"role": "user", "content": "hi"}]))
"""


def test_module_client_behind_an_attribute_copy(tmp_path: Path) -> None:
    write_tree(tmp_path, {"prov/__init__.py": "", "prov/lite.py": SOURCE})
    graph = analysed_graph(tmp_path)
    assert str(site_at(graph, "prov/lite.py", 28).site) == "request"
    assert str(site_at(graph, "prov/lite.py", 27).site) == "wrapper"
