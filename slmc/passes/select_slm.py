"""select-slm (S4): pick a small model per task under the user's constraints, and explain the choice.

Constraints come from ``ctx.settings``: ``max_params`` ("3B"), ``licence`` ("permissive" or a licence id),
``gpu_memory`` (GB), ``cpu_only``, ``target`` (tensorrt-llm | vllm | llamacpp | hf) and ``base_model`` (an override:
a catalog name, a hub id, a local path or ``scratch:<size>``). The rule: the smallest catalog model at least as
large as the task needs (by contract kind, label count, answer length, tools) that has the capabilities the task
uses, fits the memory and is served by the target. For a closed-label task the plan also weighs a classifier head on
the sentence encoder and prefers it when inputs fit its window. Also fills ``unit.reports.savings``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from slmc.compiler.passmanager import Pass, PassContext
from slmc.errors import Diagnostic, SlmcError
from slmc.ir.nodes import HEAD_METHODS, SLMChoice, Task, Verdict
from slmc.ir.unit import CompileUnit

CLASSIFIER_WINDOW = 256  # tokens the sentence encoder reads
HEAD_WINDOW = 128  # tokens the span and tool-call heads read
MIN_HEAD_SHARE = 0.9  # share of a task's answers a span / tool-call head must be able to learn from
CHECK_ROWS = 2000  # traces read per task to check a head's fit
OUT_OF_SCOPE = ("oos", "out_of_scope", "out-of-scope", "outofscope", "other", "none", "unknown", "no_intent")


@dataclass(frozen=True)
class Needs:
    min_params_b: float
    tags: tuple[str, ...]
    context: int
    reasons: tuple[str, ...]


def task_needs(task: Task) -> Needs:
    """The smallest adequate size and the capabilities a task needs, from its contract and traffic."""
    contract = task.contract
    offload = task.offload
    calls = max(1, offload.calls) if offload else 1
    mean_in = offload.input_tokens / calls if offload else 0
    mean_out = offload.output_tokens / calls if offload else 0
    kind = contract.kind if contract else "text"
    tags: list[str] = []
    if kind == "label":
        n = len(contract.labels)
        size = 0.1 if n <= 10 else 0.3 if n <= 100 else 0.5
        why = f"closed set of {n} labels"
    elif kind == "regex":
        size, why = 0.1, "short answers of one pattern"
    elif kind == "json":
        props = len((contract.schema or {}).get("properties", {}))
        nested = any("properties" in p for p in (contract.schema or {}).get("properties", {}).values())
        size = 1.0 if nested else 0.3 if props <= 5 else 0.5
        tags.append("json")
        why = f"JSON with {props} top-level fields" + (", nested" if nested else "")
    elif kind == "tool-call":
        tags.append("tool-calling")
        size = 0.5 if contract.tools and len(contract.tools) <= 5 else 1.5
        why = f"tool calls over {len(contract.tools)} tools" if contract.tools else "tool calls over an open tool set"
    else:
        size = 0.5 if mean_out <= 64 else 1.5
        why = f"free text of ~{mean_out:.0f} tokens"
    if any(sum(ord(c) > 127 for c in e) > 0.2 * max(1, len(e)) for e in task.examples):
        tags.append("multilingual")
    context = int(mean_in * 2 + mean_out * 2 + 256)
    return Needs(size, tuple(tags), context, (f"needs >= {size:g}B: {why}",))


def _scratch_params(source: str) -> float:
    from slmc.training.scratch import scratch_size

    s = scratch_size(source)
    per_layer = 4 * s.hidden * s.hidden + 3 * s.hidden * s.intermediate
    return round((s.layers * per_layer + 2 * s.vocab * s.hidden) / 1e9, 4)


def _size_class(params_b: float) -> float:
    return round(params_b, 0 if params_b >= 1 else 1)


def _fmt(model) -> str:
    return f"{model.name} ({model.params_b:g}B, {model.licence})"


@dataclass(frozen=True)
class SelectSLM(Pass):
    name = "select-slm"
    summary = "pick an SLM (or a classifier head) per task under size, licence, memory and target constraints"
    requires = ("offload-scores",)
    provides = ("slm-choices",)
    keeps_traces = True

    include_open_ended: bool = False  # also pick models for tasks scored open-ended
    prefer_classifier: bool = True  # closed-label tasks: prefer a classifier head when inputs fit its window
    prefer_heads: bool = True  # extractive JSON and tool-call tasks: prefer the span / tool-call head when they fit

    def run(self, ctx: PassContext, unit: CompileUnit) -> CompileUnit:
        from slmc.analysis.catalog import classifier_entry, find_model, load_catalog, parse_licence, parse_params
        from slmc.analysis.prices import gpu_for, llm_price, prices_for
        from slmc.analysis.savings import agent_savings, task_cost

        graph = unit.graph
        opts = ctx.settings
        max_params = parse_params(opts.max_params)
        cpu_only = opts.cpu_only
        gpu_memory = float(opts.gpu_memory) if opts.gpu_memory else None
        licence = parse_licence(opts.licence)
        licences = {x.lower() for x in licence.split(",")} - {"any", "permissive"}
        target = opts.target or None
        base_model = opts.base_model or None
        if target and target not in ("tensorrt-llm", "vllm", "llamacpp", "hf"):
            raise SlmcError(f"unknown target {target!r}", hint="use tensorrt-llm, vllm, llamacpp or hf")
        if cpu_only and target in ("tensorrt-llm", "vllm"):
            raise SlmcError(
                f"--cpu-only cannot serve on {target}", hint="use --target llamacpp or hf, or drop --cpu-only"
            )
        if cpu_only and max_params is None:
            max_params = 1.8  # CPU training and serving: stay small unless the user says otherwise
        catalog = load_catalog()

        def allowed(m) -> str | None:
            """Why model ``m`` is ruled out, or None."""
            if max_params is not None and m.params_b > max_params + 1e-9:
                return f"over {max_params:g}B"
            if licence == "permissive" and not m.permissive:
                return f"licence {m.licence} is not permissive"
            if licences and m.licence.lower() not in licences:
                return f"licence {m.licence} is not {licence.replace(',', ' or ')}"
            if target and target not in m.serving:
                return f"not served by {target}"
            if cpu_only and not ({"llamacpp", "hf"} & set(m.serving)):
                return "no CPU serving path"
            if gpu_memory and not cpu_only and m.memory_gb("int4") > gpu_memory:
                return f"does not fit {gpu_memory:g} GB even in int4"
            return None

        candidates = [m for m in catalog if allowed(m) is None]
        ruled_out = {m.name: allowed(m) for m in catalog if allowed(m)}
        constraint_text = ", ".join(
            f"{k}={v}"
            for k, v in (
                ("max_params", opts.max_params),
                ("licence", None if licence == "any" else licence),
                ("gpu_memory", gpu_memory),
                ("cpu_only", cpu_only or None),
                ("target", target),
            )
            if v
        )
        if not candidates and not base_model:
            raise SlmcError(
                f"no catalog SLM meets the constraints ({constraint_text})",
                hint="relax --max-params / --licence / --gpu-memory, or give --base-model",
            )
        gpu = gpu_for(gpu_memory, cpu_only)
        clf = classifier_entry()

        records: dict[str, list[Any]] = defaultdict(list)
        for r in unit.traces or []:
            if r.task and len(records[r.task]) < CHECK_ROWS and not r.error:
                records[r.task].append(r)
        for task in graph.tasks():
            verdict = task.offload.verdict if task.offload else Verdict.UNCLEAR
            if verdict == Verdict.OPEN_ENDED and not self.include_open_ended:
                ctx.log(f"select-slm: {task.id} is open-ended: stays on the LLM")
                continue
            needs = task_needs(task)
            choice = self._choose(task, needs, candidates, ruled_out, gpu_memory, cpu_only, gpu, constraint_text, clf)
            if base_model and base_model != choice.model:
                choice = self._override(base_model, choice, find_model, clf)
            else:
                choice = self._maybe_head(task, choice, records.get(task.id, []), clf)
            graph.update(task.id, slm=choice)
            ctx.log(f"select-slm: {task.id}: {choice.method} {choice.model}")

        # savings: offloaded tasks are the narrow ones that got an SLM
        by_task: dict[str, list[Any]] = defaultdict(list)
        for r in unit.traces or []:
            if r.task:
                by_task[r.task].append(r)
        models = [r.model for r in unit.traces or [] if r.model]
        prices = prices_for(opts.prices)
        price = llm_price(opts.llm_price_model or (max(set(models), key=models.count) if models else None), prices)
        costs = []
        for task in graph.tasks():
            o = task.offload
            if o is None or not o.calls:
                continue
            offloaded = o.verdict == Verdict.NARROW and task.slm is not None
            measured = task.eval.fallback_rate if task.eval else None
            costs.append(
                task_cost(
                    task.id,
                    o.calls,
                    o.input_tokens,
                    o.output_tokens,
                    price,
                    offloaded=offloaded,
                    params_b=task.slm.params_b if task.slm else None,
                    gpu=gpu,
                    contract_kind=task.contract.kind if task.contract else None,
                    fallback_share=measured,
                    prices=prices,
                )
            )
        unit.reports.savings = agent_savings(costs, price, gpu, prices)
        if not candidates:
            ctx.report(
                Diagnostic("<options>", 0, 0, "W401", f"no catalog SLM meets {constraint_text}; using {base_model}")
            )
        return unit

    def _choose(
        self, task, needs: Needs, candidates, ruled_out, gpu_memory, cpu_only, gpu, constraints, clf
    ) -> SLMChoice:
        if not candidates:
            return SLMChoice(model="", source="", params_b=0.0, method="lora", reasons=("no candidate",))
        reasons = list(needs.reasons)
        pool = [m for m in candidates if m.context >= needs.context] or candidates
        for tag in needs.tags:
            tagged = [m for m in pool if tag in m.tags]
            if tagged:
                pool = tagged
                reasons.append(f"has {tag}")
            else:
                reasons.append(f"no allowed model is tagged {tag}; chose without it")
        adequate = [m for m in pool if m.params_b >= 0.9 * needs.min_params_b]  # nominal sizes: 0.494B is a 0.5B
        if adequate:
            # same size class (0.5B, 2B, 3B, ...): prefer permissive licences and broad serving support
            ranked = sorted(
                adequate, key=lambda m: (_size_class(m.params_b), not m.permissive, -len(m.serving), m.params_b)
            )
        else:
            ranked = sorted(pool, key=lambda m: (-m.params_b, m.name))
            reasons.append(f"no allowed model reaches {needs.min_params_b:g}B ({constraints}); took the largest")
        model = ranked[0]
        reasons.append(f"smallest adequate: {_fmt(model)}, context {model.context}")
        if constraints:
            reasons.append(f"constraints: {constraints}")
        if ruled_out:
            reasons.append(f"ruled out {len(ruled_out)} catalog models")
        method = "lora"
        if cpu_only:
            reasons.append(f"serves on CPU (llama.cpp GGUF int4 ~{model.memory_gb('int4'):g} GB)")
        elif gpu_memory:
            precision = next(p for p in ("bf16", "int8", "int4") if model.memory_gb(p) <= gpu_memory)
            reasons.append(f"serves in {precision} ({model.memory_gb(precision):g} GB) on a {gpu_memory:g} GB GPU")
            if model.lora_train_memory_gb("bf16") > gpu_memory:
                method = "qlora"
                reasons.append(f"LoRA in bf16 needs ~{model.lora_train_memory_gb():g} GB: QLoRA (4-bit base)")
        else:
            reasons.append(f"serves in bf16 ({model.memory_gb():g} GB) on {gpu}")
        alternatives = [f"{_fmt(m)} lora" for m in ranked[1:4]]
        choice = SLMChoice(model.name, model.hub, model.params_b, method, tuple(reasons), tuple(alternatives))
        return self._maybe_classifier(task, choice, clf)

    def _maybe_classifier(self, task: Task, choice: SLMChoice, clf: dict) -> SLMChoice:
        contract = task.contract
        if not clf or contract is None or contract.kind != "label" or len(contract.labels) < 2:
            return choice
        variable_tokens = max((len(e) // 4 + 1 for e in task.examples), default=0)
        decoder = f"{choice.model} ({choice.params_b:g}B) {choice.method}"
        if not self.prefer_classifier or variable_tokens > CLASSIFIER_WINDOW:
            why = "disabled" if not self.prefer_classifier else f"inputs (~{variable_tokens} tokens) exceed its window"
            return SLMChoice(
                choice.model,
                choice.source,
                choice.params_b,
                choice.method,
                (*choice.reasons, f"classifier head not preferred: {why}"),
                (f"{clf['name']} ({clf['params_b']:g}B) classifier-head", *choice.alternatives),
            )
        oos = [x for x in contract.labels if x.strip().lower().replace(" ", "_") in OUT_OF_SCOPE]
        reasons = (
            f"closed set of {len(contract.labels)} labels: a linear head on the {clf['params_b'] * 1000:.0f}M-parameter "
            "sentence encoder answers in one forward pass",
            f"inputs fit its {CLASSIFIER_WINDOW}-token window (~{variable_tokens} tokens of variable text)",
            "cannot emit an invalid label; the class margin gives the confidence for LLM fallback",
            *(
                [f"the teacher's out-of-scope answer {oos[0]!r} is a class of its own (learnt, never a fallback)"]
                if oos
                else []
            ),
            "plan-finetune pilots the frozen head and fine-tunes the encoder end to end when it cannot pass",
            f"~{choice.params_b / clf['params_b']:.0f}x fewer parameters than the smallest adequate decoder, {decoder}",
        )
        return SLMChoice(
            clf["name"], clf["hub"], float(clf["params_b"]), "classifier-head", reasons, (decoder, *choice.alternatives)
        )

    def _override(self, base_model: str, choice: SLMChoice, find_model, clf: dict) -> SLMChoice:
        reasons = (f"base_model override {base_model!r} (the plan would pick {choice.model})",)
        alternatives = (f"{choice.model} ({choice.params_b:g}B) {choice.method}", *choice.alternatives)
        if base_model.startswith("scratch:"):
            return SLMChoice(base_model, base_model, _scratch_params(base_model), "full", reasons, alternatives)
        if base_model.startswith("classifier:"):
            return SLMChoice(
                base_model,
                clf.get("hub", base_model),
                float(clf.get("params_b", 0.0)),
                "classifier-head",
                reasons,
                alternatives,
            )
        known = find_model(base_model)
        if known is not None:
            return SLMChoice(known.name, known.hub, known.params_b, "lora", reasons, alternatives)
        return SLMChoice(
            base_model, base_model, 0.0, "lora", (*reasons, "not in the catalog: size unknown"), alternatives
        )

    def _maybe_head(self, task: Task, choice: SLMChoice, records: list[Any], clf: dict) -> SLMChoice:
        """The span head for extractive JSON, the tool-call head for tool calls, when the traces show they fit;
        otherwise ``choice`` with the head named among the rejected alternatives and why."""
        contract = task.contract
        if not clf or contract is None or contract.kind not in ("json", "tool-call") or choice.method in HEAD_METHODS:
            return choice
        method = "span-head" if contract.kind == "json" else "tool-head"
        head = f"{clf['name']} ({clf['params_b']:g}B) {method}"
        decoder = f"{choice.model} ({choice.params_b:g}B) {choice.method}"
        if not self.prefer_heads:
            fits: tuple[bool, list[str]] = (False, ["disabled (prefer-heads=false)"])
        elif contract.kind == "json":
            fits = span_fit(task, records, contract.schema)
        else:
            fits = tool_fit(records)
        ok, why = fits
        if not ok:
            return dataclasses.replace(
                choice,
                reasons=(*choice.reasons, f"{method} rejected: {'; '.join(why)}"),
                alternatives=(f"{head} (rejected: {why[0]})", *choice.alternatives),
            )
        size = f"~{choice.params_b / clf['params_b']:.0f}x fewer parameters than" if choice.params_b else "instead of"
        reasons = (*why, f"{size} the smallest adequate decoder, {decoder}, which may emit broken JSON")
        model = f"{method}:{clf['name'].split(':', 1)[-1]}"
        return SLMChoice(model, clf["hub"], float(clf["params_b"]), method, reasons, (decoder, *choice.alternatives))


def _rows(records: list[Any]) -> list[dict[str, Any]]:
    from slmc.training.datasets import record_to_row

    return [row for row in (record_to_row(r) for r in records) if row is not None]


def span_fit(task: Task, records: list[Any], schema: dict[str, Any] | None) -> tuple[bool, list[str]]:
    """Whether the extractive span head can serve a JSON task, checked on its traces: every key's values are spans of
    the input or come from a small closed set, and (nearly) every answer is such an object."""
    from slmc.training.datasets import reference_answer, user_text
    from slmc.training.span_head import SpanSchemaError, _as_object, infer_schema

    rows = _rows(records)
    if not rows:
        return False, ["no traces to check that the answers are spans of the input"]
    pairs = [(user_text(r), reference_answer(r)) for r in rows]
    objects = sum(_as_object(a) is not None for _, a in pairs)
    if objects < MIN_HEAD_SHARE * len(pairs):
        return False, [f"only {objects} of {len(pairs)} answers are JSON objects"]
    longest = max(len(t) // 4 + 1 for t, _ in pairs)
    if longest > 4 * HEAD_WINDOW:
        return False, [f"inputs of ~{longest} tokens are far beyond the encoder's {HEAD_WINDOW}-token window"]
    try:
        specs = infer_schema(pairs, schema if isinstance(schema, dict) and schema.get("properties") else None)
    except SpanSchemaError as exc:
        return False, [str(exc)]
    spans = [s.name for s in specs if s.kind == "span"]
    closed = [f"{s.name} ({len(s.classes)} values)" for s in specs if s.kind == "closed"]
    why = [f"JSON with {len(specs)} keys checked on {len(pairs)} traces: the answers are read out of the input"]
    if spans:
        why.append(f"span keys (tagged in the input): {', '.join(spans[:8])}{' ...' if len(spans) > 8 else ''}")
    if closed:
        why.append(f"closed keys (one classifier each): {', '.join(closed[:8])}{' ...' if len(closed) > 8 else ''}")
    why.append("keys the teacher leaves out stay absent; the least sure token or key gives the fallback confidence")
    return True, why


def tool_fit(records: list[Any]) -> tuple[bool, list[str]]:
    """Whether the tool-call head can serve a tool-call task: requests carry their tools and (nearly) every teacher
    answer is one call of an offered tool, with arguments of that tool, or a text answer."""
    from slmc.training.tool_head import example_from_row

    rows = _rows(records)
    if not rows:
        return False, ["no traces to check the tool calls against the tools offered"]
    examples = [example_from_row(r) for r in rows]
    usable = [e for e in examples if e is not None]
    if not any(r.get("tools") for r in rows):
        return False, [f"none of the {len(rows)} traced requests records the tools it offered"]
    if len(usable) < MIN_HEAD_SHARE * len(rows):
        return False, [
            f"only {len(usable)} of {len(rows)} answers are one call of a tool offered in the request "
            "(parallel calls, tools not offered, or arguments the tool does not declare)"
        ]
    offered = sorted({len(e.tools) for e in usable})
    names = {e.tools[e.choice].name for e in usable if e.choice is not None}
    no_tool = sum(e.choice is None for e in usable)
    why = [
        f"tool calls checked on {len(rows)} traces: {len(usable)} are one call of an offered tool"
        + (f" or a text answer ({no_tool})" if no_tool else ""),
        f"{len(names)} tools called, {offered[0]}-{offered[-1]} offered per request: the tool is chosen among the "
        "request's own tools by the encoder, each argument by its JSON-schema kind (span, enum, boolean, number)",
        "the answer is the API's tool-call shape; the product of the choices' probabilities gives the confidence",
    ]
    return True, why
