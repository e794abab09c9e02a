"""``client.messages.create(...)`` on a client of unknown type (a parameter filled from a factory's tuple): a short,
common path, taken for an Anthropic request only when the call passes what that request requires (``messages`` and
``max_tokens``). An Assistants thread's ``messages.create`` and an app's own message store are no requests."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree


def test_messages_create_with_required_keywords_on_unknown_client(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "talk.py": """
                import openai


                def pick_backend(name):
                    return make(name), name


                def ask(client, model, text):
                    if model.startswith("o"):
                        out = client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
                        return out.choices[0].message.content
                    out = client.messages.create(
                        model=model,
                        max_tokens=512,
                        messages=[{"role": "user", "content": text}],
                    )
                    return out.content[0].text


                def post_note(client, thread, store, text):
                    client.beta.threads.messages.create(thread_id=thread, role="user", content=text)
                    store.messages.create(body=text, max_tokens=3)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "talk.py", 13)
    assert site.site == SiteKind.REQUEST
    assert site.client == "anthropic"
    assert site_at(graph, "talk.py", 11).client == "openai"
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("talk.py", 22) not in found  # adds a message to an Assistants thread
    assert ("talk.py", 23) not in found  # no ``messages`` keyword: not the request's shape
