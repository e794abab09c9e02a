"""The SLM reads a served call's PII masked as its training rows were; the agent gets the request's values back."""

from __future__ import annotations

import json
from typing import Any

import slmc.runtime as runtime
from slmc.traces.record import TraceRecord
from slmc.training.datasets import record_to_row

from .servers import SITE, Reply, chat_reply, write_manifest

PHONE, EMAIL = "+1 415 555 0183", "ana.12@example.com"
SCHEMA = {"type": "object", "properties": {"order_id": {"type": ["string", "null"]}, "phone": {"type": "string"}}}


def _serve(tmp_path, server_factory, answer: str) -> tuple[Any, list[Any]]:
    slm = server_factory(lambda path, body: Reply(chat_reply(answer, logprob=-0.01)))
    runtime.configure(write_manifest(tmp_path, slm.url, contract={"kind": "json", "schema": SCHEMA}))
    messages = [
        {"role": "system", "content": "Extract fields as JSON."},
        {"role": "user", "content": f"Order AB-12345 is late. Call me on {PHONE}, or mail {EMAIL}."},
    ]
    resp = runtime.call(SITE, "openai.chat", lambda **kw: "from the LLM", model="gpt-4o", messages=messages)
    return resp, slm.bodies()


def test_the_slm_reads_placeholders_and_the_agent_gets_the_values(tmp_path, server_factory) -> None:
    resp, bodies = _serve(tmp_path, server_factory, '{"order_id": "AB-12345", "phone": "<PHONE_1>"}')
    sent = bodies[0]["messages"][1]["content"]
    assert sent == "Order AB-12345 is late. Call me on <PHONE_1>, or mail <EMAIL_1>."  # as in its training rows
    assert PHONE not in json.dumps(bodies) and EMAIL not in json.dumps(bodies)
    assert json.loads(resp.choices[0].message.content) == {"order_id": "AB-12345", "phone": PHONE}
    assert runtime.stats()["served_by_slm"] == 1


def test_an_answer_with_a_placeholder_the_request_lacks_falls_back(tmp_path, server_factory) -> None:
    resp, _ = _serve(tmp_path, server_factory, '{"order_id": "AB-12345", "phone": "<PHONE_2>"}')
    assert resp == "from the LLM"  # "<PHONE_2>" stands for nothing in this call: never given to the agent
    assert set(runtime.stats()["fallbacks"]) == {"contract"}


def test_training_rows_number_placeholders_as_a_served_call_does() -> None:
    """The scrub-pii pass numbers over the whole run (<PHONE_517>); a row is renumbered per kind by first appearance,
    the answer with the same table, and PII the pass did not scrub is masked the same way."""
    record = TraceRecord(
        id="r1",
        site_id=SITE,
        messages=[
            {"role": "system", "content": "Extract fields as JSON."},
            {"role": "user", "content": f"Order AB-12345. Call me on <PHONE_517>, or <PHONE_9>, or mail {EMAIL}."},
        ],
        output='{"order_id": "AB-12345", "phone": "<PHONE_9>"}',
    )
    row = record_to_row(record)
    assert row is not None
    assert row["messages"][1]["content"] == "Order AB-12345. Call me on <PHONE_1>, or <PHONE_2>, or mail <EMAIL_1>."
    assert json.loads(row["messages"][2]["content"]) == {"order_id": "AB-12345", "phone": "<PHONE_2>"}


def test_a_value_found_only_in_the_answer_stays_as_the_input_shows_it() -> None:
    """The detectors read "Maple Hills" as a name inside the JSON answer but not inside the question; a served call
    is masked only through its request, so the training row must not teach a placeholder its input never shows."""
    from slmc.pii.masking import detector

    question = "Will it be chilly at 4 in Maple Hills Norway"
    answer = json.dumps({"city": "Maple Hills", "country": "Norway"})
    assert detector().spans(answer) and not detector().spans(question)  # the case this test is about
    record = TraceRecord(
        id="r2",
        site_id=SITE,
        messages=[
            {"role": "system", "content": "Extract the weather fields as JSON."},
            {"role": "user", "content": question},
        ],
        output=answer,
        label={"city": "Maple Hills", "country": "Norway"},
    )
    row = record_to_row(record)
    assert row is not None and row["messages"][1]["content"] == question
    assert json.loads(row["messages"][2]["content"]) == {"city": "Maple Hills", "country": "Norway"}


def test_an_answer_copying_a_masked_input_value_gets_its_placeholder_even_json_escaped() -> None:
    """A value the input's masking replaced is replaced in the answer too, by the same placeholder, also where the
    answer is JSON written with ASCII escapes (``Ren\\u00e9e``)."""
    from slmc.pii.masking import Masking

    masking = Masking()
    masked = masking.text("Please ask Dr. Renée Dubé about it, or mail renee.bere@example.com")
    assert masked == "Please ask Dr. <NAME_1> about it, or mail <EMAIL_1>"
    answer = json.dumps({"contact": "Renée Dubé", "email": "renee.bere@example.com", "topic": "it"})
    assert "\\u00e9" in answer  # ensure_ascii: the name is written escaped
    assert json.loads(masking.answer_text(answer)) == {"contact": "<NAME_1>", "email": "<EMAIL_1>", "topic": "it"}
