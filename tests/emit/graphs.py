"""Hand-built gated AgentGraphs (and the agent source and trained adapters they describe) for the emit tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from slmc.ir.graph import AgentGraph, GraphMeta
from slmc.ir.nodes import (
    Contract,
    Decision,
    EdgeKind,
    EvalResult,
    FinetunePlan,
    LLMCall,
    Loc,
    SiteKind,
    SLMChoice,
    Task,
)

AGENT_SOURCE = '''"""Support agent: labels tickets, extracts order ids, writes replies."""

from __future__ import annotations

import openai

client = openai.OpenAI()


def ask_llm(prompt: str) -> str:
    resp = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content


def classify(ticket: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o",  # the teacher
        messages=[{"role": "system", "content": "Label the ticket."}, {"role": "user", "content": ticket}],
        max_tokens=8,
    )
    return resp.choices[0].message.content


def extract(ticket: str) -> str:
    return ask_llm(f"Extract the order id: {ticket}")


def reply(ticket: str) -> str:
    return ask_llm(f"Write a friendly reply to: {ticket}")
'''

QWEN = "Qwen/Qwen2.5-0.5B-Instruct"
ATTN = ("q_proj", "k_proj", "v_proj", "o_proj")


def write_adapter(path: Path, r: int, modules: tuple[str, ...], base: str = QWEN, **extra: object) -> Path:
    """A peft-layout LoRA directory: adapter_config.json + a (tiny) adapter_model.safetensors."""
    path.mkdir(parents=True, exist_ok=True)
    config = {
        "base_model_name_or_path": base,
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "r": r,
        "lora_alpha": 2 * r,
        "lora_dropout": 0.05,
        "target_modules": list(modules),
        "use_dora": False,
        "use_rslora": False,
        **extra,
    }
    (path / "adapter_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tensors = {f"base_model.model.layers.0.self_attn.{m}.lora_A.weight": np.zeros((r, 4), np.float32) for m in modules}
    save_file(tensors, str(path / "adapter_model.safetensors"))
    return path


def _site(sid: str, kind: SiteKind, line: int, function: str, **kw: object) -> LLMCall:
    return LLMCall(id=sid, site=kind, loc=Loc("agent.py", line, 5), function=function, **kw)  # type: ignore[arg-type]


def _task(
    tid: str, sites: tuple[str, ...], *, r: int, modules: tuple[str, ...], contract: Contract, **kw: object
) -> Task:
    name = tid.split(":", 1)[1]
    return Task(
        id=tid,
        name=name,
        sites=sites,
        calls=kw.pop("calls", 400),  # type: ignore[arg-type]
        contract=contract,
        slm=SLMChoice(model="Qwen2.5-0.5B-Instruct", source=QWEN, params_b=0.5, method=str(kw.pop("method", "lora"))),
        finetune=FinetunePlan(
            dataset=f"data/{name}.train.jsonl",
            validation=f"data/{name}.val.jsonl",
            test=f"data/{name}.test.jsonl",
            method="lora",
            lora_r=r,
            lora_alpha=2 * r,
            target_modules=modules,
        ),
        eval=EvalResult(
            metric="label",
            agreement=0.98,
            lower_bound=0.962,
            n=200,
            threshold=-0.35,
            fallback_rate=0.04,
            adapter=f"adapters/{name}",
        ),
        decision=Decision.OFFLOAD,
        decision_reasons=("agreement 0.980 (lower bound 0.962) >= 0.95",),
        **kw,  # type: ignore[arg-type]
    )


def support_graph() -> AgentGraph:
    """The support agent after ``gate``: classify and extract offloaded, reply kept."""
    g = AgentGraph(GraphMeta(root=".", files=["agent.py"], facts=["sites", "gated"]))
    wrapper_req = "llm:ask_llm@agent.py:11"
    wrapper = "llm:ask_llm@agent.py:10"
    g.add(
        _site(
            wrapper_req, SiteKind.REQUEST, 11, "ask_llm", client="openai", api="chat.completions.create", model="gpt-4o"
        )
    )
    g.add(_site(wrapper, SiteKind.WRAPPER, 10, "ask_llm", client="openai", target=wrapper_req))
    g.add(
        _site(
            "llm:classify@agent.py:16",
            SiteKind.REQUEST,
            16,
            "classify",
            client="openai",
            api="chat.completions.create",
            model="gpt-4o",
            options={"max_tokens": 8},
            decision=Decision.OFFLOAD,
            decision_reasons=("task:intent accepted: agreement 0.980 (lower bound 0.962) >= 0.95",),
        )
    )
    g.add(
        _site(
            "llm:extract@agent.py:25",
            SiteKind.WRAPPER_CALL,
            25,
            "extract",
            client="openai",
            target=wrapper,
            decision=Decision.OFFLOAD,
            decision_reasons=("task:order-id accepted: agreement 0.980 (lower bound 0.962) >= 0.95",),
        )
    )
    g.add(
        _site(
            "llm:reply@agent.py:29",
            SiteKind.WRAPPER_CALL,
            29,
            "reply",
            client="openai",
            target=wrapper,
            decision=Decision.KEEP,
            decision_reasons=("open-ended generation",),
        )
    )
    g.add(
        _task(
            "task:intent",
            ("llm:classify@agent.py:16",),
            r=16,
            modules=ATTN,
            contract=Contract(kind="label", labels=("billing", "tech", "other")),
            keywords=("invoice", "charged", "login"),
            examples=("I was charged twice this month", "the app will not let me log in"),
        )
    )
    g.add(
        _task(
            "task:order-id",
            ("llm:extract@agent.py:25",),
            r=8,
            modules=("q_proj", "v_proj"),
            contract=Contract(kind="regex", pattern=r"^[A-Z]{2}-\d{6}$"),
            calls=250,
            keywords=("order", "tracking"),
            examples=("where is my order AB-123456?",),
        )
    )
    for tid, sid in (("task:intent", "llm:classify@agent.py:16"), ("task:order-id", "llm:extract@agent.py:25")):
        g.add_edge(tid, sid, EdgeKind.SERVES)
    g.add_edge("llm:extract@agent.py:25", wrapper, EdgeKind.CALLS)
    g.add_edge("llm:reply@agent.py:29", wrapper, EdgeKind.CALLS)
    g.add_edge(wrapper, wrapper_req, EdgeKind.CALLS)
    g.verify()
    return g


def support_workspace(tmp: Path) -> tuple[AgentGraph, dict[str, object]]:
    """Agent root + build folder with trained adapters on disk; returns the graph and the plan options."""
    root = tmp / "agent_src"
    root.mkdir(parents=True)
    (root / "agent.py").write_text(AGENT_SOURCE, encoding="utf-8")
    build = tmp / "build"
    write_adapter(build / "adapters" / "intent", 16, ATTN)
    write_adapter(build / "adapters" / "order-id", 8, ("q_proj", "v_proj"))
    options: dict[str, object] = {"build_dir": str(build), "root": str(root), "agent_name": "support_agent"}
    return support_graph(), options


# ---- a plan with LoRA adapters and an encoder head ------------------------------------------------------------------
MIXED_SOURCE = (
    AGENT_SOURCE
    + """

def topic(ticket: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "Name the topic."}, {"role": "user", "content": ticket}],
        max_tokens=4,
    )
    return resp.choices[0].message.content
"""
)
TOPIC_SITE = "llm:topic@agent.py:33"
ENCODER = "sentence-transformers/all-MiniLM-L6-v2"


def write_head(path: Path, classes: tuple[str, ...] = ("billing", "shipping", "other"), dim: int = 4) -> Path:
    """An slmc classifier head: a sentence encoder named in ``head.json`` plus a linear layer in safetensors."""
    path.mkdir(parents=True, exist_ok=True)
    config = {"format": "slmc-head/1", "classes": list(classes), "link": "softmax", "embedder": {"name": ENCODER}}
    (path / "head.json").write_text(json.dumps(config, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    weights = {"weight": np.zeros((len(classes), dim), np.float32), "bias": np.zeros(len(classes), np.float32)}
    save_file(weights, str(path / "head.safetensors"))
    return path


def write_sequence_classifier(
    path: Path, classes: tuple[str, ...] = ("billing", "shipping", "other"), arch: str = "BertForSequenceClassification"
) -> Path:
    """A Hugging Face sequence classifier folder (config.json naming ``arch``, safetensors weights, a tokenizer), the
    kind vLLM's pooling runner serves (tiny zero weights: its files are what the bundle checks)."""
    path.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": [arch],
        "model_type": "bert",
        "id2label": {str(i): c for i, c in enumerate(classes)},
        "label2id": {c: i for i, c in enumerate(classes)},
        "hidden_size": 4,
    }
    (path / "config.json").write_text(json.dumps(config, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (path / "tokenizer_config.json").write_text('{"tokenizer_class": "BertTokenizer"}\n', encoding="utf-8")
    save_file({"classifier.weight": np.zeros((len(classes), 4), np.float32)}, str(path / "model.safetensors"))
    return path


def mixed_graph(lora: bool = True) -> AgentGraph:
    """The support agent plus a topic site served by an encoder head (classifier-head); ``lora=False`` keeps the
    LoRA tasks on the LLM, so the encoder head is all that is offloaded."""
    g = support_graph()
    g.add(
        _site(
            TOPIC_SITE,
            SiteKind.REQUEST,
            33,
            "topic",
            client="openai",
            api="chat.completions.create",
            model="gpt-4o",
            options={"max_tokens": 4},
            decision=Decision.OFFLOAD,
            decision_reasons=("task:topic accepted: agreement 0.970 (lower bound 0.955) >= 0.95",),
        )
    )
    g.add(
        Task(
            id="task:topic",
            name="topic",
            sites=(TOPIC_SITE,),
            calls=300,
            contract=Contract(kind="label", labels=("billing", "shipping", "other")),
            slm=SLMChoice(model="all-MiniLM-L6-v2", source=ENCODER, params_b=0.02, method="classifier-head"),
            eval=EvalResult(
                metric="label",
                agreement=0.97,
                lower_bound=0.955,
                n=200,
                threshold=-0.5,
                fallback_rate=0.05,
                adapter="adapters/topic",
            ),
            decision=Decision.OFFLOAD,
            decision_reasons=("agreement 0.970 (lower bound 0.955) >= 0.95",),
        )
    )
    g.add_edge("task:topic", TOPIC_SITE, EdgeKind.SERVES)
    if not lora:
        for tid in ("task:intent", "task:order-id"):
            g.update(tid, decision=Decision.KEEP, decision_reasons=("kept for this test",))
        for sid in ("llm:classify@agent.py:16", "llm:extract@agent.py:25"):
            g.update(sid, decision=Decision.KEEP, decision_reasons=("kept for this test",))
    g.verify()
    return g


def mixed_workspace(tmp: Path, lora: bool = True, sequence: bool = False) -> tuple[AgentGraph, dict[str, object]]:
    """``support_workspace`` plus the topic site's trained encoder head (build/adapters/topic): an slmc head, or with
    ``sequence`` a Hugging Face ``BertForSequenceClassification``."""
    _graph, options = support_workspace(tmp)
    (Path(str(options["root"])) / "agent.py").write_text(MIXED_SOURCE, encoding="utf-8")
    folder = Path(str(options["build_dir"])) / "adapters" / "topic"
    write_sequence_classifier(folder) if sequence else write_head(folder)
    return mixed_graph(lora), options
