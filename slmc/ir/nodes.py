"""Node kinds of the agent graph: a small closed set of frozen dataclasses.

Ids are stable and readable; they are the join key between the static frontend, trace capture, the manifest and the
runtime router:

* ``llm:<function>@<path>:<line>``      an LLM call site (``path`` relative to the analysed root, ``/`` separators,
                                         ``line`` the first line of the call expression, ``function`` the innermost
                                         enclosing ``def`` name or ``<module>``)
* ``prompt:<function>@<path>:<line>``   the prompt sent by the call site at that location
* ``tool:<name>``                       a tool (function schema) offered to the model
* ``code:<qualname>@<path>:<line>``     a function of the agent (wrappers included)
* ``input:<name>@<path>:<line>``        a value flowing into a prompt hole
* ``output:<consumer>@<path>:<line>``   a place that consumes an LLM answer
* ``task:<slug>``                       a task discovered by clustering traces (one site may carry several)

Results of passes are typed fields (``Triage``, ``Traffic``, ``Contract``, ...), never a free-form dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from slmc.lazyre import lazy
from slmc.site_ids import parse_site_id, site_id  # noqa: F401 - re-exported: the stdlib-only home of site ids


class SiteKind(StrEnum):
    REQUEST = "request"  # code that sends the request to an LLM (SDK call, HTTP post, local generate)
    WRAPPER = "wrapper"  # a function that forwards its arguments to an LLM request (reported at its def)
    WRAPPER_CALL = "wrapper-call"  # a call of a wrapper in the agent's code
    FRAMEWORK_TASK = "framework-task"  # LLM work done by a framework object (LangChain chain, LlamaIndex query, ...)


class Verdict(StrEnum):
    NARROW = "narrow"  # a narrow, repetitive task an SLM could serve
    OPEN_ENDED = "open-ended"  # open-ended generation: keep on the LLM
    UNCLEAR = "unclear"


class Decision(StrEnum):
    OFFLOAD = "offload"  # serve from the SLM, fall back to the LLM
    SHADOW = "shadow"  # serve from the LLM, score the SLM alongside
    KEEP = "keep"  # keep on the LLM


class EdgeKind(StrEnum):
    PROMPT = "prompt"  # prompt -> llm
    TOOL = "tool"  # tool -> llm
    CONTAINS = "contains"  # code -> llm / code -> code (nested def)
    CALLS = "calls"  # wrapper-call llm -> wrapper llm -> request llm
    INPUT = "input"  # input -> prompt
    OUTPUT = "output"  # llm -> output
    FLOWS = "flows"  # output -> llm (an answer feeds another call) / llm -> llm
    SERVES = "serves"  # task -> llm
    STEP = (
        "step"  # wrapper-call llm -> the one LLM site its receiver's own class holds (``sub.run()``, ``run`` inherited)
    )


@dataclass(frozen=True, order=True)
class Loc:
    path: str
    line: int
    col: int = 1
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class PromptPart:
    """A piece of a prompt template: literal text, or a hole whose ``text`` is the source expression filling it."""

    text: str
    hole: bool = False


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant | developer | tool | prompt (single-string APIs)
    parts: tuple[PromptPart, ...] = ()
    origin: str = "literal"  # literal | f-string | format | concat | constant | template-file | dynamic

    def template(self) -> str:
        """The template text with holes written as ``{expr}``."""
        return "".join("{" + p.text + "}" if p.hole else p.text for p in self.parts)

    def static_text(self) -> str:
        return "".join(p.text for p in self.parts if not p.hole)


@dataclass(frozen=True)
class Triage:
    """Static triage of a call site, from source evidence only."""

    verdict: Verdict
    score: float  # 0 (open-ended) .. 1 (narrow)
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Traffic:
    """What the traces say about a call site (filled by link-traces)."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    errors: int = 0
    models: tuple[str, ...] = ()
    latency_ms_p50: float | None = None
    link_confidence: float = 1.0  # mean confidence of the links
    link_methods: tuple[str, ...] = ()  # site-id | location | template


@dataclass(frozen=True)
class Contract:
    """What a correct answer looks like; validated by the runtime and scored by evaluation.

    ``kind`` is one of ``json`` (``schema`` is a JSON schema), ``label`` (``labels``), ``tool-call`` (``tools``: list of
    ``{"name", "parameters"}``; or ``tools_per_call``: the tool set is too large to list or changes per call, and an
    answer is checked against the tools offered in its own request), ``regex`` (``pattern``), ``text`` (free text within
    ``min_length``..``max_length``).
    """

    kind: str
    schema: dict[str, Any] | None = None
    labels: tuple[str, ...] = ()
    tools: tuple[dict[str, Any], ...] = ()
    pattern: str | None = None
    min_length: int = 0
    max_length: int | None = None
    strictness: float = 0.0  # 0 free text .. 1 fully determined by a closed set
    tools_per_call: bool = False  # tool-call: no fixed tool list; the request's own tools are the set

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.schema is not None:
            out["schema"] = self.schema
        if self.labels:
            out["labels"] = list(self.labels)
        if self.tools:
            out["tools"] = [dict(t) for t in self.tools]
        if self.tools_per_call:
            out["tools_per_call"] = True
        if self.pattern is not None:
            out["pattern"] = self.pattern
        if self.min_length:
            out["min_length"] = self.min_length
        if self.max_length is not None:
            out["max_length"] = self.max_length
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contract:
        return cls(
            kind=data["kind"],
            schema=data.get("schema"),
            labels=tuple(data.get("labels", ())),
            tools=tuple(data.get("tools", ())),
            pattern=data.get("pattern"),
            min_length=int(data.get("min_length", 0)),
            max_length=data.get("max_length"),
            strictness=float(data.get("strictness", 0.0)),
            tools_per_call=bool(data.get("tools_per_call", False)),
        )


@dataclass(frozen=True)
class OffloadScore:
    score: float  # 0..1
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


# Replacement kinds served by an encoder with a head (in-process, the hf target), not by a generative model:
# a linear head on frozen sentence embeddings, the encoder fine-tuned end to end with its label head (saved in the
# classifier head's format), the extractive JSON span tagger and the tool-call head.
HEAD_METHODS = ("classifier-head", "encoder-classifier", "span-head", "tool-head")


def adapter_kind(method: str) -> str:
    """The manifest's ``adapter.kind`` of a model trained with ``method`` (an end-to-end fine-tuned encoder classifier
    is saved as a classifier head; generative methods are ``lora``)."""
    if method == "encoder-classifier":
        return "classifier-head"
    return method if method in HEAD_METHODS else "lora"


@dataclass(frozen=True)
class SLMChoice:
    model: str  # catalog name, e.g. "Qwen2.5-0.5B-Instruct", or "scratch:2m", or "classifier:minilm"
    source: str  # hub id or local path the trainer loads
    params_b: float  # parameters in billions
    method: str  # lora | qlora | full | classifier-head | encoder-classifier | span-head | tool-head
    reasons: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class FinetunePlan:
    dataset: str  # path of the train JSONL (OpenAI fine-tuning format) relative to the build folder
    validation: str
    test: str
    method: str  # lora | qlora | full | classifier-head | encoder-classifier | span-head | tool-head
    lora_r: int = 16
    lora_alpha: int = 32
    target_modules: tuple[str, ...] = ()
    epochs: float = 3.0
    learning_rate: float = 2e-4
    batch_size: int = 8
    max_length: int = 1024
    seed: int = 0
    train_rows: int = 0
    folds: int = 0  # > 1: k-fold cross-validation over every row of `dataset` (validation/test left empty)
    # > 1: the fallback threshold is also calibrated on out-of-fold answers to the training rows (heads trained on the
    # other folds answer each fold), when the validation split alone is too small to set it; the gate is still on test
    calibration_folds: int = 0


@dataclass(frozen=True)
class EvalResult:
    metric: str  # exact | json-exact | json-fields | label | tool-call | similarity
    agreement: float  # with the teacher (LLM) on the test split
    lower_bound: float  # one-sided lower confidence bound of agreement
    n: int
    ground_truth_accuracy: float | None = None
    threshold: float | None = None  # calibrated confidence threshold
    fallback_rate: float = 0.0  # share of calls sent back to the LLM at the threshold
    accepted_agreement: float | None = None  # agreement on the calls the SLM keeps at the threshold
    adapter: str | None = None  # adapter / model directory
    train_seconds: float | None = None


@dataclass(frozen=True)
class Node:
    id: str

    @property
    def kind(self) -> str:
        return self.id.split(":", 1)[0]


# A wrapper's consumer: it runs an agent loop over tools, reading the tool calls of each answer to run them
TOOL_LOOP = "tool-loop"
# A wrapper-call's consumer: it turns such a loop off for its call (``run(..., execute_tools=False)``, ``max_turns=1``):
# the loop's first answer comes back with its tool calls unrun, one model step
ONE_STEP = "one-step"


@dataclass(frozen=True)
class LLMCall(Node):
    site: SiteKind = SiteKind.REQUEST
    loc: Loc = Loc("", 0)
    function: str = "<module>"  # qualified name of the enclosing function
    client: str = "unknown"  # openai | azure-openai | openai-v0 | anthropic | litellm | langchain | llamaindex | hf | vllm | llamacpp | bedrock | google | http | ...
    api: str = ""  # e.g. chat.completions.create, messages.create, completion, invoke
    model: str | None = None  # static model name when known
    is_async: bool = False
    stream: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # request options: name -> literal value or "<expr>" source
    output_schema: str | None = None  # response_format / pydantic model / json schema (source text or name)
    tools: tuple[str, ...] = ()  # names of tools offered
    labels: tuple[str, ...] = ()  # closed label set the answer is checked against, when found statically
    consumers: tuple[str, ...] = ()  # json.loads | pydantic | label-set | return | llm-input | print | ...
    target: str | None = None  # wrapper-call: id of the wrapper site it calls; wrapper: id of the request it reaches
    found_by: str = "source"  # source (the static frontend) | traces (a trace's stack or code location showed it)
    triage: Triage | None = None
    traffic: Traffic | None = None
    offload: OffloadScore | None = None  # score-offload: the calls-weighted verdict of the tasks this site carries
    decision: Decision | None = None
    decision_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prompt(Node):
    messages: tuple[Message, ...] = ()
    template_file: str | None = None  # static template file the prompt was read from


@dataclass(frozen=True)
class Tool(Node):
    name: str = ""
    description: str = ""
    parameters: dict[str, Any] | None = None  # JSON schema
    loc: Loc | None = None


@dataclass(frozen=True)
class Code(Node):
    qualname: str = ""
    loc: Loc = Loc("", 0)
    is_wrapper: bool = False


@dataclass(frozen=True)
class Input(Node):
    name: str = ""
    source: str = ""  # the expression


@dataclass(frozen=True)
class Output(Node):
    consumer: str = ""  # json.loads | pydantic | label-set | return | llm-input | ...
    loc: Loc | None = None


@dataclass(frozen=True)
class Task(Node):
    """A narrow task discovered by clustering traces; the unit that gets an SLM."""

    name: str = ""
    sites: tuple[str, ...] = ()
    calls: int = 0
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # a few (scrubbed) variable parts of prompts
    contract: Contract | None = None
    offload: OffloadScore | None = None
    slm: SLMChoice | None = None
    finetune: FinetunePlan | None = None
    eval: EvalResult | None = None
    decision: Decision | None = None
    decision_reasons: tuple[str, ...] = ()


NODE_TYPES: dict[str, type[Node]] = {
    "llm": LLMCall,
    "prompt": Prompt,
    "tool": Tool,
    "code": Code,
    "input": Input,
    "output": Output,
    "task": Task,
}

_SLUG = lazy(r"[^A-Za-z0-9_.\-<>]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-") or "x"


def located_id(kind: str, name: str, path: str, line: int) -> str:
    return f"{kind}:{name}@{path}:{line}"
