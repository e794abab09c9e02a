"""A driver function that builds its model object from a model name and hands it, beside a dataset record's field,
to a solver interface whose parameters tell nothing of a prompt: the model object is no prompt, so the driver does
not forward its caller's prompt (no wrapper, and its callers make no wrapper-calls), while the solver stays the
calling API and the driver's call of it a site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

MODELS = """
    import dataclasses

    import openai


    @dataclasses.dataclass
    class Turn:
        role: str
        content: str


    class ChatModel:
        def __init__(self, name):
            self.name = name

        def reply(self, turns, temperature=0.0):
            payload = [dataclasses.asdict(t) for t in turns]
            out = openai.ChatCompletion.create(model=self.name, messages=payload, temperature=temperature)
            return out.choices[0].message.content


    def build_model(name):
        if name.startswith("gpt"):
            return ChatModel(name)
        raise ValueError(name)
"""

SOLVERS = """
    from abc import abstractmethod

    from models import ChatModel, Turn

    PLAIN = "Write the whole function body for the signature below."
    GO_PLAIN = "Write the whole Go function for the signature below."
    RETRY = "Your last body failed its tests; write a corrected one."


    def shared_solve(signature: str, model: ChatModel, mode: str, plain_text, retry_text, temperature=0.0):
        if mode == "plain":
            turns = [Turn(role="system", content=plain_text), Turn(role="user", content=signature)]
        else:
            turns = [Turn(role="system", content=retry_text), Turn(role="user", content=f"[sig]: {signature}")]
        return model.reply(turns, temperature=temperature)


    class Solver:
        @abstractmethod
        def solve(self, signature: str, model: ChatModel, mode: str):
            ...


    class PySolver(Solver):
        def solve(self, signature: str, model: ChatModel, mode: str):
            return shared_solve(signature=signature, model=model, mode=mode, plain_text=PLAIN, retry_text=RETRY)


    class GoSolver(Solver):
        def solve(self, signature: str, model: ChatModel, mode: str):
            return shared_solve(signature=signature, model=model, mode=mode, plain_text=GO_PLAIN, retry_text=RETRY)


    def pick_solver(lang: str) -> Solver:
        return PySolver() if lang == "py" else GoSolver()
"""

DRIVER = """
    from models import build_model
    from solvers import pick_solver


    def run_batch(dataset, model_name, log_path):
        solver = pick_solver("py")
        model = build_model(model_name)
        out = []
        for record in dataset:
            out.append(solver.solve(record["prompt"], model, "plain"))
        with open(log_path, "w") as f:
            f.write(repr(out))
"""

CLI = """
    import sys

    from driver import run_batch


    def main(argv):
        run_batch([{"prompt": line} for line in open(argv[1])], argv[2], "log.txt")


    if __name__ == "__main__":
        main(sys.argv)
"""


def test_model_object_handed_on_is_no_forwarded_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"models.py": MODELS, "solvers.py": SOLVERS, "driver.py": DRIVER, "cli.py": CLI})
    graph = analysed_graph(tmp_path)
    kinds = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert kinds.get(("solvers.py", 26)) == "wrapper"  # the solver the driver calls to reach the model
    assert kinds.get(("driver.py", 11)) == "wrapper-call"  # the driver's call of it
    assert ("driver.py", 6) not in kinds  # the driver: no calling API of the model
    assert ("cli.py", 8) not in kinds  # so its caller makes no wrapper-call
