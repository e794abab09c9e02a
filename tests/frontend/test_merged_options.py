"""A request function that starts from its own option dict and merges the caller's keyword arguments into it
(``options.update(kwargs)``) before sending it (``create(**options)`` or a JSON body read from it): the caller's
``messages`` reach the request, so the function forwards its caller's prompt and is a calling API, even with a
single caller."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree


def test_kwargs_merged_into_options_are_forwarded(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/remote.py": """
                import requests


                def complete(**kwargs):
                    options = {"temperature": 0.1, "max_tokens": 256}
                    options.update(kwargs)
                    body = {"model": "local-chat", "messages": options.get("messages", [])}
                    return requests.post("http://localhost:8080/v1/chat/completions", json=body).json()
            """,
            "svc/jobs.py": """
                from svc.remote import complete


                def tag_language(text):
                    return complete(messages=[{"role": "user", "content": "Name the language of: " + text}])
            """,
        },
    )
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in analysed_graph(tmp_path).sites()}
    assert ("svc/remote.py", 5, str(SiteKind.WRAPPER)) in found, found
    assert ("svc/jobs.py", 6, str(SiteKind.WRAPPER_CALL)) in found, found
