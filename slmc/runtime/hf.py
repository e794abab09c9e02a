"""``hf`` target: serve SLMs in-process with transformers + peft (imported on first use, never at import time).

One base model per endpoint, loaded from ``endpoint.base_model``; LoRA adapters are loaded onto it by name on first
use and switched per request (generation is serialised per endpoint). ``adapter.kind: classifier-head`` sites load a
sequence-classification model from the adapter path (a full model folder, or a PEFT adapter over the base) and answer
the argmax label; its confidence is the top label's log-probability. ``adapter.kind: span-head`` sites load slmc's
extractive JSON head (``slmc.training.span_head``: ``span_head.json`` + safetensors) and answer the JSON object it reads
out of the input; confidence is its minimum tag / key probability. ``adapter.kind: tool-head`` sites load slmc's
tool-call head (``slmc.training.tool_head``: a fine-tuned encoder choosing among the request's own tools and filling
each argument) and answer one tool call; a call it cannot fill (or one it answers without a tool) falls back with
reason ``head-fallback``. Causal LMs answer greedily; confidence is the
mean token log-prob of the generated tokens.

Loading happens in ``warm_up`` (``slmc.runtime.warm_up()`` / ``configure(..., warm=True)``) or in a background thread
that the first request for a site starts; a request never loads: until its site's model is ready it raises
``not-ready`` (a failed load: ``backend-error`` with the reason, until the next ``warm_up``). The deadline holds
in-process too: waiting for the model (one generation at a time) stops at it, and generation gets the time left as
``max_time``; an answer finished late is dropped by the router.

Nothing here loads a pickle: slmc classifier heads are ``head.json`` + ``head.safetensors`` (an old
``classifier.joblib`` is refused), adapters and sequence classifiers must hold safetensors weights. Paths come from
the manifest, already confined to the bundle (``slmc.runtime.manifest``); a model that is refused or cannot be
loaded is reported once as a ``RuntimeWarning`` naming its path, and its calls fall back to the LLM.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from slmc.hub import NO_HUB_KERNELS, hub_kwargs
from slmc.runtime.backends import Backend
from slmc.runtime.manifest import Adapter, Endpoint, Site
from slmc.runtime.types import Answer, EndpointError, SLMRequest
from slmc.traces.record import content_text

DEFAULT_MAX_TOKENS = 128
SPAN_KIND = "span-head"  # slmc.training.span_head.SPAN_KIND (not imported here: it pulls in the training package)


class HFBackend(Backend):
    inline = True  # waits for the model and generates only until the deadline

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(endpoint)
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._tokenizer: Any = None
        self._base: Any = None
        self._peft: Any = None
        self._adapters: set[str] = set()
        self._classifiers: dict[str, tuple[Any, Any, list[str]]] = {}
        self._heads: dict[str, Any] = {}  # adapter name -> slmc classifier head, or None (a transformers classifier)
        self._tool_heads: dict[str, Any] = {}  # adapter name -> slmc tool-call head
        self._broken: dict[str, EndpointError] = {}  # adapter name -> why it cannot be loaded (warned once)
        self._state_lock = threading.Lock()
        self._ready: set[str] = set()  # site keys whose models are loaded
        self._loading: set[str] = set()  # site keys a background thread is loading
        self._failed: dict[str, EndpointError] = {}  # site key -> why its load failed (its calls fall back with it)

    # ---- readiness ------------------------------------------------------------------------------------------------
    def warm_up(self, sites: list[Site], wait: bool = True) -> None:
        if not wait:
            for site in sites:
                self._load_later(site)
            return
        errors = []
        for site in sites:
            self._failed.pop(_site_key(site), None)
            try:
                self._load_site(site)
            except Exception as exc:
                errors.append(f"{site.id}: {exc}")
        if errors:
            raise EndpointError("backend-error", "; ".join(errors))

    def _load_site(self, site: Site) -> None:
        key = _site_key(site)
        if key in self._ready:
            return
        try:
            if site.adapter is not None and site.adapter.kind == SPAN_KIND:
                self._span_head(site)
            elif site.adapter is not None and site.adapter.kind == "classifier-head":
                head = self._head(site)
                if head is None:
                    self._classifier(site)
                else:  # its sentence encoder loads on first use: here, not in a request
                    head.predict(
                        [{"messages": [{"role": "user", "content": "warm-up"}, {"role": "assistant", "content": ""}]}]
                    )
            elif site.adapter is not None and site.adapter.kind == "tool-head":
                self._tool_head(site).predict_one("warm-up", [{"name": "warm_up"}])  # the encoder runs once here
            else:
                self._causal(site)
        except EndpointError as exc:  # refused or broken (already warned with its path): its own reason
            self._failed[key] = exc
            raise
        except Exception as exc:
            self._failed[key] = EndpointError("backend-error", f"the model did not load: {type(exc).__name__}: {exc}")
            raise
        self._ready.add(key)

    def _load_later(self, site: Site) -> None:
        key = _site_key(site)
        with self._state_lock:
            if key in self._ready or key in self._loading or key in self._failed:
                return
            self._loading.add(key)
        threading.Thread(target=self._load_in_background, args=(site, key), name="slmc-hf-load", daemon=True).start()

    def _load_in_background(self, site: Site, key: str) -> None:
        try:
            self._load_site(site)
        except Exception:
            pass  # kept in self._failed: the site's requests report it
        finally:
            with self._state_lock:
                self._loading.discard(key)

    @contextmanager
    def _turn(self, deadline: float) -> Iterator[None]:
        """Hold the model (one run at a time) if it frees up before ``deadline``; else ``timeout``."""
        if not self._run_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise EndpointError("timeout", "the model was busy until the deadline")
        try:
            yield
        finally:
            self._run_lock.release()

    # ---- loading --------------------------------------------------------------------------------------------------
    def _load_base(self) -> None:
        if self._base is not None:
            return
        if not self.endpoint.base_model:
            why = self.endpoint.refused or "no base_model"
            raise EndpointError("no-backend", f"endpoint {self.endpoint.name!r}: {why}")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        offline = hub_kwargs(self.endpoint.base_model)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.endpoint.base_model, **offline)
            self._base = AutoModelForCausalLM.from_pretrained(self.endpoint.base_model, **offline, **NO_HUB_KERNELS)
        except Exception as exc:  # reported with its path, then the call falls back
            where = self.endpoint.base_model
            warnings.warn(f"slmc.runtime: cannot load {where}: {exc!r}; calls fall back to the LLM", RuntimeWarning, 2)
            raise
        self._base.eval()

    def _causal(self, site: Site) -> tuple[Any, Any]:
        with self._load_lock:
            adapter = site.adapter
            if adapter is not None and (adapter.refused or adapter.name in self._broken):
                raise self._broken.get(adapter.name) or EndpointError("no-backend", str(adapter.refused))
            self._load_base()
            if adapter is not None and adapter.path and adapter.name not in self._adapters:
                from peft import PeftModel

                self._check_weights(adapter.name, Path(adapter.path), "adapter_model.safetensors")
                try:
                    if self._peft is None:
                        self._peft = PeftModel.from_pretrained(self._base, adapter.path, adapter_name=adapter.name)
                        self._peft.eval()
                    else:
                        self._peft.load_adapter(adapter.path, adapter_name=adapter.name)
                except Exception as exc:  # a broken adapter folder: reported with its path, never silent
                    self._fail(adapter.name, Path(adapter.path), repr(exc))
                self._adapters.add(adapter.name)
        return self._tokenizer, self._peft if self._peft is not None else self._base

    def _classifier(self, site: Site) -> tuple[Any, Any, list[str]]:
        adapter = self._adapter_path(site)
        cached = self._classifiers.get(adapter.name)
        if cached is not None:
            return cached
        with self._load_lock:
            cached = self._classifiers.get(adapter.name)
            if cached is not None:
                return cached
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            path = Path(adapter.path)
            labels = [str(label) for label in site.contract.get("labels") or ()]
            peft_adapter = (path / "adapter_config.json").exists()
            if peft_adapter:
                self._check_weights(adapter.name, path, "adapter_model.safetensors")
                if not self.endpoint.base_model:
                    raise EndpointError("no-backend", self.endpoint.refused or "no base_model for the adapter")
            else:
                self._check_weights(adapter.name, path, "model.safetensors", "model.safetensors.index.json")
            try:
                if peft_adapter:
                    from peft import PeftModel

                    base = AutoModelForSequenceClassification.from_pretrained(
                        self.endpoint.base_model,
                        num_labels=len(labels),
                        **hub_kwargs(self.endpoint.base_model),
                        **NO_HUB_KERNELS,
                    )
                    model = PeftModel.from_pretrained(base, str(path))
                else:
                    model = AutoModelForSequenceClassification.from_pretrained(
                        str(path), use_safetensors=True, **NO_HUB_KERNELS
                    )
                tokenizer_dir = path if (path / "tokenizer_config.json").exists() else self.endpoint.base_model
                tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, **hub_kwargs(tokenizer_dir))
            except Exception as exc:  # a broken model folder: reported with its path, never silent
                self._fail(adapter.name, path, repr(exc))
            model.eval()
            id2label = getattr(model.config, "id2label", None) or {}
            names = [str(id2label.get(i, "")) for i in range(model.config.num_labels)]
            if labels and (len(names) != len(labels) or not set(names) <= set(labels)):
                names = labels[: model.config.num_labels]  # generic LABEL_i names: the contract's order
            cached = (tokenizer, model, names)
            self._classifiers[adapter.name] = cached
        return cached

    # ---- serving --------------------------------------------------------------------------------------------------
    def complete(self, req: SLMRequest, site: Site, timeout: float) -> Answer:
        deadline = time.monotonic() + timeout
        key = _site_key(site)
        if key not in self._ready:
            failed = self._failed.get(key)
            if failed is not None:  # a fresh error each call (one instance would pile up tracebacks)
                raise EndpointError(failed.reason, failed.detail)
            self._load_later(site)
            raise EndpointError("not-ready", "the model is loading (slmc.runtime.warm_up() loads it before serving)")
        if site.adapter is not None and site.adapter.kind == SPAN_KIND:
            return self._extract(req, site, deadline)
        if site.adapter is not None and site.adapter.kind == "classifier-head":
            return self._classify(req, site, deadline)
        if site.adapter is not None and site.adapter.kind == "tool-head":
            return self._call_tool(req, site, deadline)
        return self._generate(req, site, deadline)

    def _generate(self, req: SLMRequest, site: Site, deadline: float) -> Answer:
        import torch

        tokenizer, model = self._tokenizer, self._peft if self._peft is not None else self._base  # loaded: _ready
        prompt = _prompt(tokenizer, req)
        inputs = tokenizer(
            prompt, return_tensors="pt", add_special_tokens=not getattr(tokenizer, "chat_template", None)
        )
        max_new = req.max_tokens or DEFAULT_MAX_TOKENS
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        with self._turn(deadline), torch.inference_mode():
            if self._peft is not None and site.adapter is not None:
                self._peft.set_adapter(site.adapter.name)
            out = model.generate(
                **inputs,
                max_new_tokens=max_new,
                max_time=max(deadline - time.monotonic(), 1e-3),
                do_sample=False,
                output_scores=True,
                return_dict_in_generate=True,
                pad_token_id=pad,
            )
            scores = model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)[0]
        start = inputs["input_ids"].shape[1]
        new_tokens = out.sequences[0, start:]
        finite = scores[torch.isfinite(scores)]
        text = tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
        ended = tokenizer.eos_token_id is not None and bool((new_tokens == tokenizer.eos_token_id).any())
        return Answer(
            content=text,
            finish_reason="stop" if ended or len(new_tokens) < max_new else "length",
            confidence=float(finite.mean()) if finite.numel() else None,
            prompt_tokens=int(start),
            completion_tokens=len(new_tokens),
            model=site.adapter.name if site.adapter else self.endpoint.name,
        )

    def _adapter_path(self, site: Site) -> Adapter:
        """The site's adapter, when it has a usable path (else ``EndpointError``: refused, missing, or broken)."""
        adapter = site.adapter
        assert adapter is not None
        if adapter.name in self._broken:
            raise self._broken[adapter.name]
        if not adapter.path:
            raise EndpointError("no-backend", adapter.refused or f"adapter {adapter.name!r} has no path")
        return adapter

    def _check_weights(self, name: str, path: Path, *files: str) -> None:
        """A model folder must hold its weights as safetensors (``files``: any one of them); else it is not loaded."""
        if not path.is_dir() or not any((path / f).is_file() for f in files):
            self._fail(name, path, f"not a folder holding {' or '.join(files)} (only safetensors weights are loaded)")

    def _fail(self, name: str, path: Path, why: str) -> NoReturn:
        """Report a model that cannot be loaded (a warning naming its path) and remember it: its calls fall back."""
        error = EndpointError("no-backend", f"cannot load {path}: {why}")
        self._broken[name] = error
        warnings.warn(f"slmc.runtime: cannot load {path}: {why}; calls fall back to the LLM", RuntimeWarning, 2)
        raise error

    def _head(self, site: Site) -> Any:
        """slmc's sentence-encoder + linear head (``head.json`` + ``head.safetensors``) for the site, or None when the
        adapter is a transformers sequence classifier; looked up once per adapter. A pickled ``classifier.joblib``
        is never loaded."""
        adapter = self._adapter_path(site)
        if adapter.name not in self._heads:
            with self._load_lock:
                if adapter.name not in self._heads:
                    from slmc.errors import SlmcError
                    from slmc.training.classifier import HEAD_CONFIG, LEGACY_FILE, ClassifierHead

                    path = Path(adapter.path)
                    if (path / HEAD_CONFIG).is_file() or (path / LEGACY_FILE).exists():
                        try:
                            head = ClassifierHead(path)
                            head.predict_proba(["warm-up"])  # loads the encoder, checks its width against the head
                        except SlmcError as exc:
                            self._fail(adapter.name, path, exc.message + (f"; {exc.hint}" if exc.hint else ""))
                        except Exception as exc:  # a broken file must not pass silently
                            self._fail(adapter.name, path, repr(exc))
                    else:
                        head = None
                    self._heads[adapter.name] = head
        return self._heads[adapter.name]

    def _span_head(self, site: Site) -> Any:
        """slmc's extractive JSON head (``span_head.json`` + safetensors) for the site, loaded once per adapter."""
        adapter = self._adapter_path(site)
        if adapter.name not in self._heads:
            with self._load_lock:
                if adapter.name not in self._heads:
                    from slmc.errors import SlmcError
                    from slmc.training.span_head import SpanHead

                    path = Path(adapter.path)
                    try:
                        head = SpanHead.load(path)
                        head.predict(["warm-up"])
                    except SlmcError as exc:
                        self._fail(adapter.name, path, exc.message + (f"; {exc.hint}" if exc.hint else ""))
                    except Exception as exc:  # a broken file must not pass silently
                        self._fail(adapter.name, path, repr(exc))
                    self._heads[adapter.name] = head
        return self._heads[adapter.name]

    def _extract(self, req: SLMRequest, site: Site, deadline: float) -> Answer:
        """The JSON object the span head reads out of the call's input (its non-system messages)."""
        head = self._span_head(site)
        text = "\n".join(
            content_text(m.get("content")) for m in req.messages if m.get("role") not in ("system", "developer")
        )
        with self._turn(deadline):
            pred = head.predict([text])[0]
        return Answer(
            content=pred.text,
            confidence=pred.confidence,  # min over tags and closed keys of the calibrated probability
            prompt_tokens=0,
            completion_tokens=1,
            model=site.adapter.name if site.adapter else self.endpoint.name,
        )

    def _tool_head(self, site: Site) -> Any:
        """slmc's tool-call head for the site (``tool_head.json`` + safetensors), loaded once per adapter."""
        adapter = self._adapter_path(site)
        if adapter.name not in self._tool_heads:
            with self._load_lock:
                if adapter.name not in self._tool_heads:
                    from slmc.errors import SlmcError
                    from slmc.training.tool_head import ToolCallHead

                    path = Path(adapter.path)
                    try:
                        self._tool_heads[adapter.name] = ToolCallHead(path)
                    except SlmcError as exc:
                        self._fail(adapter.name, path, exc.message + (f"; {exc.hint}" if exc.hint else ""))
                    except Exception as exc:  # a broken file must not pass silently
                        self._fail(adapter.name, path, repr(exc))
        return self._tool_heads[adapter.name]

    def _call_tool(self, req: SLMRequest, site: Site, deadline: float) -> Answer:
        import uuid

        from slmc.training.tool_head import request_text

        head = self._tool_head(site)
        with self._turn(deadline):
            pred = head.predict_one(request_text(req.messages), req.tools)
        if pred.call is None:  # the head answers tool calls only: a text answer (or what it cannot fill) is the LLM's
            raise EndpointError("head-fallback", pred.fallback or "the head would answer without a tool")
        call = {"id": f"call_{uuid.uuid4().hex[:24]}", **pred.call}
        return Answer(
            content=None,
            tool_calls=[call],
            finish_reason="tool_calls",
            confidence=pred.confidence,  # product of the head's choice probabilities; threshold from validation
            prompt_tokens=0,
            completion_tokens=1,
            model=site.adapter.name if site.adapter else self.endpoint.name,
        )

    def _classify(self, req: SLMRequest, site: Site, deadline: float) -> Answer:
        head = self._head(site)
        if head is not None:
            row = {"messages": [*req.messages, {"role": "assistant", "content": ""}]}
            with self._turn(deadline):
                pred = head.predict([row])[0]
            return Answer(
                content=pred.text,
                confidence=pred.confidence,  # probability margin, as calibrated by slmc eval
                prompt_tokens=0,
                completion_tokens=1,
                model=site.adapter.name if site.adapter else self.endpoint.name,
            )
        import torch

        tokenizer, model, names = self._classifier(site)
        text = "\n".join(
            content_text(m.get("content")) for m in req.messages if m.get("role") not in ("system", "developer")
        )
        inputs = tokenizer(text, return_tensors="pt", truncation=True)
        with self._turn(deadline), torch.inference_mode():
            logits = model(**inputs).logits[0]
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        best = int(torch.argmax(logprobs))
        return Answer(
            content=names[best] if best < len(names) else str(best),
            confidence=float(logprobs[best]),
            prompt_tokens=int(inputs["input_ids"].shape[1]),
            completion_tokens=1,
            model=site.adapter.name if site.adapter else self.endpoint.name,
        )


def _site_key(site: Site) -> str:
    """What a site needs loaded: its adapter (by name), or the base model alone."""
    return f"adapter:{site.adapter.name}" if site.adapter is not None else "base"


def _prompt(tokenizer: Any, req: SLMRequest) -> str:
    """The chat template when the tokenizer has one, else plain ``role: text`` lines."""
    if getattr(tokenizer, "chat_template", None):
        kwargs: dict[str, Any] = {"add_generation_prompt": True, "tokenize": False}
        if req.tools:
            kwargs["tools"] = req.tools
        return tokenizer.apply_chat_template(req.messages, **kwargs)
    lines = [f"{m.get('role')}: {content_text(m.get('content'))}" for m in req.messages]
    return "\n".join([*lines, "assistant:"])
