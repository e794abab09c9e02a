"""The router's trace log holds no PII or secret from the prompts, answers or tool arguments unless asked for raw."""

from __future__ import annotations

import json
import random
import sys
from typing import Any

import slmc.runtime as runtime
from tests.curation import planted

from .servers import SITE, Reply, chat_reply, write_manifest


def _planted() -> list[str]:
    rng = random.Random(11)
    return [
        planted.email(rng),
        planted.card(rng),
        planted.iban(rng, "DE"),
        planted.api_key(rng, "sk-proj"),
        planted.phone(rng),
        "Maria Okonkwo",
        "221B Baker Street",
        "Hauptstraße 12",
    ]


def _call(tmp_path, server_factory, **configure: Any) -> tuple[str, list[str]]:
    values = _planted()
    key = values[3]
    slm = server_factory(lambda path, body: Reply(chat_reply(f"ok, noted {values[0]}", logprob=-0.1)))
    log = tmp_path / "router.jsonl"
    runtime.configure(write_manifest(tmp_path, slm.url), log=log, **configure)
    msgs = [
        {"role": "system", "content": f"Escalations go to {values[1]}; IBAN {values[2]}."},
        {
            "role": "user",
            "content": f"Hi, I am Maria Okonkwo of 221B Baker Street, call {values[4]}. My key is {key[:12]}",
        },
        {"role": "user", "content": f"{key[12:]} and I moved to Hauptstraße 12. Mail: {values[0]}"},
    ]

    def llm(**kwargs: Any) -> dict[str, Any]:
        return chat_reply("billing", logprob=None)

    runtime.call(SITE, "openai.chat", llm, model="gpt-4o", messages=msgs)
    runtime.reset()
    return log.read_text(encoding="utf-8"), values


def test_router_log_is_scrubbed_by_default(tmp_path, server_factory) -> None:
    text, values = _call(tmp_path, server_factory)
    record = json.loads(text.splitlines()[0])
    assert record["meta"]["router"]["site"] == SITE and len(record["messages"]) == 3
    leaked = [v for v in values if v in text]
    assert leaked == []
    assert "<EMAIL_1>" in text and "<API_KEY_" in text


def test_router_log_raw_on_request(tmp_path, server_factory, monkeypatch) -> None:
    monkeypatch.setenv("SLMC_ROUTER_LOG_RAW", "1")
    text, values = _call(tmp_path, server_factory)
    assert all(v in text for v in values if v != values[3])


def test_runtime_import_stays_light() -> None:
    import subprocess

    code = "import sys, slmc.runtime; print(','.join(m for m in ('torch', 'numpy', 'networkx', 'transformers', 'slmc.pii') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
