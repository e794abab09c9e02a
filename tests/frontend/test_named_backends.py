"""Backends picked by name at run time: ``importlib.import_module(f".{kind}", "pkg.backends")`` then
``getattr(module, "send")``, cached in a dict the object fills by item and returned by a private picker. The call
of what the picker returns reaches the ``send`` of every module of that package, so each one is a calling API and
the call site is a wrapper-call; the caller of the hub's method is one too."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_BACKENDS = {
    "shop/__init__.py": "",
    "shop/backends/__init__.py": "",
    "shop/backends/cloud.py": """
        import openai


        def send(**options):
            client = openai.OpenAI()
            return client.chat.completions.create(**options)
    """,
    "shop/backends/onprem.py": """
        import requests


        def send(**options):
            body = {"model": "house-model", "messages": options["messages"]}
            return requests.post("http://127.0.0.1:9000/v1/chat/completions", json=body).json()
    """,
    "shop/backends/router.py": """
        import importlib


        class Router:
            def __init__(self):
                self.picked = {}

            def ask(self, backend="cloud", **options):
                return self._backend(backend)(**options)

            def _backend(self, backend):
                if backend not in self.picked:
                    module = importlib.import_module(f".{backend}", "shop.backends")
                    self.picked[backend] = getattr(module, "send")
                return self.picked[backend]


        router = Router()
    """,
    "shop/triage.py": """
        from shop.backends.router import router


        def is_refund_request(ticket):
            prompt = "Answer yes or no: does this ticket ask for a refund?\\n" + ticket
            return router.ask(messages=[{"role": "user", "content": prompt}])
    """,
}


def _where(graph) -> set[tuple[str, int, str]]:
    return {(s.loc.path, s.loc.line, str(s.site)) for s in graph.sites()}


def test_call_of_a_backend_picked_by_name_reaches_every_module_of_the_package(tmp_path: Path) -> None:
    write_tree(tmp_path, _BACKENDS)
    found = _where(analysed_graph(tmp_path))
    assert ("shop/backends/cloud.py", 5, str(SiteKind.WRAPPER)) in found, found
    assert ("shop/backends/onprem.py", 5, str(SiteKind.WRAPPER)) in found, found
    assert ("shop/backends/router.py", 10, str(SiteKind.WRAPPER_CALL)) in found, found
    assert ("shop/triage.py", 7, str(SiteKind.WRAPPER_CALL)) in found, found


def test_a_module_named_outside_the_package_is_no_pick(tmp_path: Path) -> None:
    files = dict(_BACKENDS)
    files["shop/backends/router.py"] = files["shop/backends/router.py"].replace('"shop.backends"', '"shop.other"')
    write_tree(tmp_path, files)
    found = _where(analysed_graph(tmp_path))
    assert ("shop/backends/router.py", 10, str(SiteKind.WRAPPER_CALL)) not in found, found
    assert ("shop/triage.py", 7, str(SiteKind.WRAPPER_CALL)) not in found, found
