"""The tool-call head's value models cross-validated on BFCL without the fine-tuned encoder (load-independent).

The status head is replaced by uniform logits and the option head by zeros, so booleans and enums read only their
value models; strings, numbers, lists and presence are as served. Prints whole-call agreement with the teacher, the
first wrong argument per failing call, and with --spans where the teacher's string ranks among the candidates.

With --classes each wrong string value is put in one class: the teacher's value not in the request (normalised:
case / punctuation only; else rewritten or a default: "USD" for "US dollars"), another argument's value (a role swap),
a span overlapping the teacher's (a boundary: a piece of the phrase or the phrase with a title), or another span of
the request (a value of the wrong type); --examples N prints the first N of each class.

usage: PYTHONPATH=$PWD python bench/tool_values_cv.py simple_python [--why N] [--classes [--examples N]]
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import safetensors.torch  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
import heads_tools  # noqa: E402

from slmc.answers import answers_agree  # noqa: E402
from slmc.training import tool_head as th  # noqa: E402
from slmc.training.datasets import reference_answer  # noqa: E402
from slmc.training.heads import tool_answer_text  # noqa: E402
from slmc.training.tool_schema import STATUSES, read_tools  # noqa: E402

name = sys.argv[1]
FOLDS = 5


class StubEnc:
    """No fine-tuned encoder: uniform status logits, zero option scores."""

    def seq(self, text, request, places=None):
        return len(places or ())

    def forward(self, seqs):
        return None, torch.zeros((len(seqs), len(STATUSES))), [None] * len(seqs), [None] * len(seqs), [None] * len(seqs)

    def option_scores(self, hidden, seq):
        return torch.zeros(seq)


th._span_candidates = lambda *a, **k: []
tokenizer, model = th._load_encoder(th.default_encoder_path())
chooser = th._BiChoice(tokenizer, model, 128)
cache_file = Path(
    os.environ.get("VEC_CACHE", Path.home() / ".cache" / "slmc" / "bench" / f"tool-vectors-{name}.safetensors")
)
if cache_file.exists():  # safetensors: text -> vector, no pickle
    chooser._cache = dict(safetensors.torch.load_file(str(cache_file)))
n_cached = len(chooser._cache)

rows = heads_tools.load_set(name, [])
for r in rows:
    r["tools"] = [
        {"type": "function", "function": json.loads(json.dumps(f).replace('"type": "dict"', '"type": "object"'))}
        for f in r["tools"]
    ]
examples = [th.example_from_row(r) for r in rows]
keep = [i for i, e in enumerate(examples) if e is not None]
print(f"{name}: {len(rows)} rows, {len(keep)} usable", flush=True)
t0 = time.process_time()
results = [None] * len(rows)
for fold in range(FOLDS):
    train = [examples[i] for i in keep if i % FOLDS != fold]
    chooser.no_tool = th._fit_no_tool(chooser, train, 0)
    rankers = th.fit_value_rankers(train, 0, chooser)
    head = th.ToolCallHead.__new__(th.ToolCallHead)
    head._rankers, head._chooser, head._calibration, head._enc, head.no_tool = rankers, chooser, None, StubEnc(), False
    for i in range(len(rows)):
        if i % FOLDS != fold:
            continue
        row = rows[i]
        p = head._predict_one(th.request_text(row["messages"][:-1]), row["tools"])
        ok = answers_agree("tool-call", tool_answer_text(p.call), reference_answer(row), row["tools"])
        results[i] = (ok, p)
print(f"cpu {time.process_time() - t0:.0f}s", flush=True)
if len(chooser._cache) > n_cached:
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    safetensors.torch.save_file(
        {k: v.contiguous().clone() for k, v in chooser._cache.items() if isinstance(k, str) and torch.is_tensor(v)},
        str(cache_file),
    )
agree = sum(ok for ok, _ in results)
fb = sum(p.fallback is not None for _, p in results)
print(f"agree {agree}/{len(rows)} = {agree / len(rows):.3f}; fallback {fb}")


def string_class(ex, request: str, name: str, teacher, head, targs: dict) -> str:
    """The class of one wrong string value (see the module's docstring)."""
    label = ex.args.get(name)
    if label is None or label.status != "value" or label.span is None:
        normalised = isinstance(teacher, str) and heads_tools._norm(teacher) in heads_tools._norm(request)
        return "not in the request: " + ("case / punctuation" if normalised else "rewritten or a default")
    low = head.lower() if isinstance(head, str) else ""
    if low and any(isinstance(v, str) and v.lower() == low for k, v in targs.items() if k != name):
        return "another argument's value (role swap)"
    at = request.lower().find(low) if low else -1
    if at >= 0 and at < label.span[1] and label.span[0] < at + len(low):
        return "overlaps the teacher's span (boundary)"
    return "another span of the request (type)"


# per-argument errors
causes = Counter()
classes = Counter()  # --classes: each wrong string value's class
why = int(sys.argv[sys.argv.index("--why") + 1]) if "--why" in sys.argv else 0
per_class = int(sys.argv[sys.argv.index("--examples") + 1]) if "--examples" in sys.argv else 0  # shown per class
shown = 0
for i, (ok, p) in enumerate(results):
    if ok:
        continue
    row = rows[i]
    _, tname, targs = th.teacher_call(row["messages"][-1])
    if p.tool != tname:
        causes["tool choice"] += 1
        continue
    if p.fallback:
        causes["fallback"] += 1
        continue
    got = json.loads(p.call["arguments"])
    tool = next(t for t in read_tools(row["tools"]) if t.name == tname)
    bad = []
    for prm in tool.params:
        a, b = prm.name in targs, prm.name in got
        if a and not b:
            bad.append((f"{prm.kind} missing", prm.name, targs[prm.name], None))
        elif b and not a:
            bad.append((f"{prm.kind} extra", prm.name, None, got[prm.name]))
        elif (
            a
            and b
            and not answers_agree(
                "tool-call",
                json.dumps([{"name": tname, "arguments": {prm.name: got[prm.name]}}]),
                json.dumps([{"name": tname, "arguments": {prm.name: targs[prm.name]}}]),
            )
        ):
            bad.append((f"{prm.kind} value", prm.name, targs[prm.name], got[prm.name]))
    causes[bad[0][0] if bad else "?"] += 1
    if "--classes" in sys.argv:
        for kind, pn, t, g in bad:
            if kind == "span value":
                request = th.request_text(row["messages"][:-1])
                cls = string_class(examples[i], request, pn, t, g, targs)
                classes[cls] += 1
                if classes[cls] <= per_class:
                    print(f"  [{cls[:24]}] {pn}: teacher {t!r} head {g!r} | {request[:160]!r}")
    if shown < why and bad:
        shown += 1
        print(f"--- {th.request_text(row['messages'][:-1])[:300]!r}")
        for kind, pn, t, g in bad:
            print(f"    {kind:16s} {pn}: teacher {t!r}  head {g!r}")
for c, k in causes.most_common():
    print(f"  {k:4d} {c}")
for c, k in classes.most_common():
    print(f"  wrong string value {k:4d}  {c}")
if "--spans" in sys.argv:
    # the string arguments: teacher span among candidates? rank?
    stat = Counter()
    for fold in range(FOLDS):
        train = [examples[i] for i in keep if i % FOLDS != fold]
        rankers = th.fit_value_rankers(train, 0, chooser)
        for i in keep:
            if i % FOLDS != fold:
                continue
            ex = examples[i]
            if ex.choice is None:
                continue
            tool = ex.tools[ex.choice]
            for prm in tool.params:
                lab = ex.args.get(prm.name)
                if prm.kind != "span" or lab is None:
                    continue
                if lab.status != "value":
                    stat[f"label {lab.status}"] += 1
                    continue
                cands, feats = th._string_features(chooser, ex.request, tool, prm)
                if tuple(lab.span) not in cands:
                    stat["not a candidate"] += 1
                    if "--miss" in sys.argv:
                        print(
                            "MISS",
                            repr(ex.request[max(0, lab.span[0] - 20) : lab.span[1] + 20]),
                            repr(ex.request[lab.span[0] : lab.span[1]]),
                        )
                    continue
                probs = th.rank(rankers["span"], feats)
                order = sorted(range(len(cands)), key=lambda j: -probs[j])
                r = order.index(cands.index(tuple(lab.span)))
                stat[f"rank {min(r, 5)}"] += 1
                if r and "--ranks" in sys.argv:
                    top = cands[order[0]]
                    print(
                        f"R{r} {prm.name}: teacher {ex.request[lab.span[0] : lab.span[1]]!r} top {ex.request[top[0] : top[1]]!r} | {ex.request[:140]!r}"
                    )
    for k, v in sorted(stat.items()):
        print(f"  {k}: {v}")
