"""One task per call site unless the traces prove otherwise (issue 14, item 2).

A tool site is one task over all its tools; a one-template extraction site is one task whatever keys its answers
carry; a site splits only into clearly different prompt families or contract kinds; sites merge only when template
and contract agree. Records are generated from word lists (no dataset text).
"""

from __future__ import annotations

import json
import random
from collections import Counter

from slmc.analysis.clustering import ClusterOptions, cluster_records
from slmc.traces.record import TraceRecord

CITIES = ["Paris", "Lisbon", "Oslo", "Denver", "Kyoto", "Nairobi", "Lima", "Perth", "Austin", "Cairo"]
ARTISTS = ["Nina Simone", "Miles Davis", "Bjork", "Fela Kuti", "Erykah Badu", "Arvo Part"]
PLAYLISTS = ["morning run", "deep focus", "road trip", "rainy day", "dinner party"]
VERBS = ["find", "book", "cancel", "list", "update", "check", "send", "create", "delete", "get"]
OBJECTS = ["invoice", "meeting", "flight", "ticket", "order", "report", "reminder", "contact", "file", "alarm"]
OPTS = ClusterOptions(embedder="tfidf")


def _rec(site: str, messages: list[dict], output: str | None = None, **kw) -> TraceRecord:
    return TraceRecord(source="slmc", model="gpt-4o", messages=messages, output=output, site_id=site, **kw)


def _tool_site(n: int = 120, site: str = "llm:act@agent.py:10", seed: int = 0) -> list[TraceRecord]:
    """A site offered a few tools per call out of 40, each call choosing one of them."""
    rng = random.Random(seed)
    names = [f"{v}_{o}" for v in VERBS for o in OBJECTS[:4]]
    out = []
    for i in range(n):
        offered = rng.sample(names, 3)
        chosen = offered[0]
        verb, obj = chosen.split("_")
        msgs = [
            {"role": "system", "content": "You are the office assistant. Use the tools when they help."},
            {"role": "user", "content": f"Please {verb} the {obj} for {rng.choice(CITIES)} number {i}"},
        ]
        tools = [{"type": "function", "function": {"name": t, "parameters": {"type": "object"}}} for t in offered]
        call = {"name": chosen, "arguments": {f"{obj}_id": i, "city": rng.choice(CITIES)}}
        out.append(_rec(site, msgs, None, tools=tools, tool_calls=[call]))
    return out


def _slot_site(n: int = 120, site: str = "llm:slots@agent.py:30", system: str | None = None) -> list[TraceRecord]:
    """One template, one contract (JSON of the slots found), requests of two intents with different slot keys."""
    rng = random.Random(1)
    system = system or "Extract the slots of the user's request as one JSON object. Leave out absent slots."
    out = []
    for i in range(n):
        if i % 2:
            city, when = rng.choice(CITIES), rng.choice(["tomorrow", "tonight", "next week"])
            text, slots = f"will it rain in {city} {when}", {"city": city, "timeRange": when}
        else:
            artist, playlist = rng.choice(ARTISTS), rng.choice(PLAYLISTS)
            text, slots = f"add {artist} to my {playlist} playlist", {"artist": artist, "playlist": playlist}
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": f"Request: {text}"}]
        out.append(_rec(site, msgs, json.dumps(slots)))
    return out


def _tasks(records: list[TraceRecord]) -> dict[str, Counter]:
    result = cluster_records(records, {}, OPTS)
    by_site: dict[str, Counter] = {}
    for r, label in zip(records, result.labels, strict=True):
        by_site.setdefault(r.site_id, Counter())[label] += 1
    return by_site


def test_a_tool_site_is_one_task_over_all_its_tools():
    records = _tool_site()
    assert len({r.tool_calls[0]["name"] for r in records}) > 30
    result = cluster_records(records, {}, OPTS)
    assert len(result.clusters) == 1 and result.clusters[0].records == len(records)


def test_a_one_template_extraction_site_is_one_task_whatever_keys_it_fills():
    records = _slot_site()
    result = cluster_records(records, {}, OPTS)
    assert len(result.clusters) == 1


def test_a_stray_answer_kind_stays_in_its_sites_task():
    records = _slot_site()
    for r in records[:6]:  # the teacher broke the contract a few times (5 %): same task, curate drops them
        r.output = "Sorry, I could not find any slot in this request."
    result = cluster_records(records, {}, OPTS)
    assert len(result.clusters) == 1


def test_a_wrapper_site_splits_by_prompt_family_and_contract():
    rng = random.Random(2)
    records = []
    for i in range(60):
        city = rng.choice(CITIES)
        msgs = [
            {"role": "system", "content": "Classify the travel request as one of: flight, hotel, car."},
            {"role": "user", "content": f"I need something in {city} for trip {i}"},
        ]
        records.append(_rec("llm:ask@agent.py:5", msgs, rng.choice(["flight", "hotel", "car"])))
    for r in _slot_site(60):
        r.site_id = "llm:ask@agent.py:5"
        records.append(r)
    result = cluster_records(records, {}, OPTS)
    assert len(result.clusters) == 2
    truth = ["label"] * 60 + ["slots"] * 60
    pairs = Counter(zip(truth, result.labels, strict=True))
    assert len(pairs) == 2  # each true task is exactly one discovered task


def test_a_repeated_sign_off_line_does_not_split_a_free_text_site():
    rng = random.Random(3)
    records = []
    for i in range(80):
        body = f"My {rng.choice(OBJECTS)} from {rng.choice(CITIES)} is late, order {i}."
        if i % 3 == 0:
            body += "\nThank you for your help."
        msgs = [{"role": "user", "content": body}]
        reply = " ".join(
            rng.choice(["we", "are", "sorry", "your", "order", "ships", "soon", "today"]) for _ in range(40)
        )
        records.append(_rec("llm:reply@agent.py:7", msgs, reply))
    assert len(cluster_records(records, {}, OPTS).clusters) == 1


def test_sites_merge_only_when_template_and_contract_agree():
    same = "Extract the slots of the user's request as one JSON object. Leave out absent slots."
    other = "Voice command parser. Return the slots of the transcript as JSON."
    records = (
        _slot_site(60, "llm:slots_a@agent.py:30", same)
        + _slot_site(60, "llm:slots_b@agent.py:40", same)
        + _slot_site(60, "llm:slots_c@agent.py:50", other)
        + _tool_site(60, "llm:act_a@agent.py:60", seed=1)
        + _tool_site(60, "llm:act_b@agent.py:70", seed=2)
    )
    by_site = _tasks(records)
    task = {site: next(iter(c)) for site, c in by_site.items()}
    assert all(len(c) == 1 for c in by_site.values())  # no site is split
    assert task["llm:slots_a@agent.py:30"] == task["llm:slots_b@agent.py:40"]  # same template, same contract
    assert task["llm:slots_c@agent.py:50"] != task["llm:slots_a@agent.py:30"]  # same contract, other template
    assert task["llm:act_a@agent.py:60"] == task["llm:act_b@agent.py:70"]  # same template, tools per call
    assert len(set(task.values())) == 3


def test_the_clustering_report_says_how_each_site_was_split_or_merged(agent):
    from slmc.passes.cluster_tasks import ClusterTasks

    from .conftest import ASK, EXTRACT

    unit, ctx = agent
    parts = ClusterTasks(embedder="tfidf").run(ctx, unit).reports.clustering["sites"]
    ask = sorted((p["kind"], p["records"]) for p in parts if p["site"] == ASK)
    assert ask == [("json", 12), ("text", 24)]  # a wrapper: two prompt families, two contracts
    task_of = {(p["site"], p["kind"]): p["task"] for p in parts}
    assert task_of[(ASK, "json")] == task_of[(EXTRACT, "json")]  # same template, same contract: merged
    assert task_of[(ASK, "text")] != task_of[(ASK, "json")]


def test_few_shot_examples_drawn_per_call_and_chat_history_do_not_split_a_site():
    rng = random.Random(4)
    pool = [f"Example: the {o} in {c} needs a {v}" for o, c, v in zip(OBJECTS, CITIES, VERBS, strict=True)]
    records = []
    for i in range(90):
        shots = rng.sample(pool, 3)
        system = "Classify the office request as urgent or routine.\n" + "\n".join(shots)
        msgs = [{"role": "system", "content": system}]
        if i % 2:  # an earlier turn of the conversation
            msgs += [
                {"role": "user", "content": "Is the printer on the third floor working again?"},
                {"role": "assistant", "content": "Yes, it was fixed this morning by the team."},
            ]
        msgs.append({"role": "user", "content": f"Request {i}: {rng.choice(VERBS)} the {rng.choice(OBJECTS)}"})
        records.append(_rec("llm:triage@agent.py:9", msgs, rng.choice(["urgent", "routine"])))
    assert len(cluster_records(records, {}, OPTS).clusters) == 1
