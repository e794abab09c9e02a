"""A function sending a fixed message to the model its caller names (a connectivity probe:
``completion(model=name, api_key=key, messages=[{"role": "user", "content": "Ping"}])``) hands on only request
settings beside a prompt it writes itself: no wrapper, and its call is no wrapper-call (the request stays a site).
The look-alike hands its caller's text into the messages beside the model name: a wrapper."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

PROBE = """
    from litellm import completion


    def probe(model_name, key, base=None):
        if base is None:
            reply = completion(model=model_name, api_key=key, messages=[{"role": "user", "content": "Ping"}])
        else:
            reply = completion(
                model=model_name, api_key=key, api_base=base, messages=[{"role": "user", "content": "Ping"}]
            )
        return bool(reply)


    def ask(model_name, text):
        reply = completion(model=model_name, messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content


    def doctor(cfg):
        ok = probe(model_name=cfg["model"], key=cfg["key"], base=cfg.get("base"))
        return ok, ask(cfg["model"], "Say hello to the new user.")
"""


def test_a_probe_forwards_only_settings(tmp_path: Path) -> None:
    write_tree(tmp_path, {"check.py": PROBE})
    kinds = {s.loc.line: str(s.site) for s in analysed_graph(tmp_path).sites() if s.loc.path == "check.py"}
    assert kinds.get(line_of(PROBE, "def probe(")) is None
    assert kinds.get(line_of(PROBE, "ok = probe(")) is None
    assert kinds.get(line_of(PROBE, "reply = completion(model=model_name, api_key=key, messages")) == "request"
    assert kinds.get(line_of(PROBE, "def ask(")) == "wrapper"  # the look-alike: the caller's text is the prompt
    assert kinds.get(line_of(PROBE, "return ok, ask(")) == "wrapper-call"
