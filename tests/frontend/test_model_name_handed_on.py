"""A script's own model helper taking the prompt and a model name, whose only caller is an episode loop handing on
its own ``model`` parameter next to a prompt it builds there: the helper is still the calling API (not a transport
folded into a request it was handed), and the loop's call of it is a site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

HELPERS = """
    import openai


    def complete_text(prompt, temperature=0.0):
        out = openai.Completion.create(model="davinci", prompt=prompt, temperature=temperature)
        return out.choices[0].text


    def chat_text(prompt, model, temperature=0.0):
        msgs = [{"role": "user", "content": prompt}]
        out = openai.ChatCompletion.create(model=model, messages=msgs, temperature=temperature)
        return out.choices[0]["message"]["content"]
"""

EPISODES = """
    from helpers import chat_text, complete_text


    def ask(prompt, model):
        tries = 0
        while tries < 3:
            if model == "davinci":
                text = complete_text(prompt=prompt, temperature=tries * 0.1)
            else:
                text = chat_text(prompt=prompt, model=model, temperature=tries * 0.1)
            if text.strip():
                return text
            tries += 1
        return ""


    def play(env, intro, model):
        log = [intro]
        obs = env.reset()
        for _ in range(20):
            log.append(obs)
            move = ask("\\n".join(log) + "\\n>", model=model).strip()
            obs, done = env.step(move)
            if done:
                return True
        return False


    def run_all(envs, model):
        header = "Play the game. Reply with one move per line."
        return [play(e, header, model) for e in envs]
"""


def test_helper_called_with_a_handed_on_model_name_stays_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"helpers.py": HELPERS, "episodes.py": EPISODES})
    graph = analysed_graph(tmp_path)
    kinds = {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == "episodes.py"}
    assert kinds.get(5) == "wrapper"  # ask: what the episode loop calls to reach the model
    assert kinds.get(9) == "wrapper-call" and kinds.get(11) == "wrapper-call"  # its two helper calls
    assert kinds.get(23) == "wrapper-call"  # the loop's call, prompt built there from the log
