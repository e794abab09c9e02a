"""An Assistants run is polled by its state (``while run.status in ["queued", "in_progress"]``): that state is the
job's, not what the model wrote, so it is no label set of the answer; and a run resumed with the tool outputs sends
the thread the server holds, so an answer it drops is no warm-up ping. A model's own JSON field named ``status``
checked against a list stays a label check."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree
from slmc.ir import Verdict
from slmc.passes.triage import triage_site

DESK = """
    import json
    import time

    from openai import OpenAI

    client = OpenAI()


    def answer(thread_id, helper_id):
        run = client.beta.threads.runs.create(thread_id=thread_id, assistant_id=helper_id)
        while run.status in ["queued", "in_progress"]:
            time.sleep(1)
            run = client.beta.threads.runs.retrieve(thread_id=thread_id, run_id=run.id)
        print(run)


    def resume(thread_id, run, outputs):
        client.beta.threads.runs.submit_tool_outputs(thread_id=thread_id, run_id=run.id, tool_outputs=outputs)


    def ticket_state(text):
        reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
        state = json.loads(reply.choices[0].message.content)
        return state["status"] in ["open", "closed"]
"""


def test_a_polled_run_state_is_no_label_set_and_a_resumed_run_is_no_ping(tmp_path: Path) -> None:
    write_tree(tmp_path, {"desk.py": DESK})
    graph = analysed_graph(tmp_path)
    run = site_at(graph, "desk.py", 11)
    assert not run.labels and "label-set" not in run.consumers, run.consumers
    resumed = triage_site(graph, site_at(graph, "desk.py", 19))
    assert resumed.verdict != Verdict.NARROW, resumed
    assert not any("ping" in r for r in resumed.reasons)
    # the look-alike: a field of the model's own JSON answer checked against listed values
    ticket = site_at(graph, "desk.py", 23)
    assert "label-set" in ticket.consumers, ticket.consumers
