"""Serving targets: the ``Target`` base class, the target registry and the checks and quoting they share.

A ``ServingPlan`` (``slmc.ir.serving``, written by the ``plan-serving`` pass) is what every target and the bundle
writer read: endpoints (one per base model, each serving one LoRA adapter per task), and the routing entry of every
decided call site. Targets add their own files (``emit``) and the target-specific routing fields of the manifest
(``endpoint_fields`` / ``adapter_fields``). Import-light: jinja2 and yaml only.
"""

from __future__ import annotations

import functools
import importlib
import ipaddress
import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from slmc.errors import SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import LLMCall, SiteKind
from slmc.ir.serving import AdapterSpec, EndpointSpec, ServingPlan

# The group key of a classifier served by a server of its own (vLLM's pooling runner), never a hub id or path.
CLASSIFIER_BASE = "\0classifier:"
# vLLM's MaxLoRARanks (1 is allowed too but never useful); adapters are rounded up to one of these.
ALLOWED_LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)
LORA_METHODS = ("lora", "qlora")


@dataclass(frozen=True)
class Problem:
    """A static validation finding: where (file / key path), what, and what to do."""

    where: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" + (f" (hint: {self.hint})" if self.hint else "")


def raise_problems(target: str, problems: list[Problem]) -> None:
    """Raise one ``SlmcError`` naming every problem (no-op when there are none)."""
    if not problems:
        return
    lines = "\n    ".join(str(p) for p in problems)
    raise SlmcError(
        f"the {target} deployment would be invalid ({len(problems)} problem(s)):\n    {lines}",
        hint=problems[0].hint or "fix the plan or pick another --target",
    )


# ---- values that reach scripts and URLs --------------------------------------------------------------------------
_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
LOOPBACK = "127.0.0.1"
CONTAINER_HOST = "0.0.0.0"  # inside a container only: compose publishes on loopback, k8s wires the API key
API_KEY_ENV = "SLMC_API_KEY"  # the runtime sends it as a bearer token; the serve scripts hand it to the server


def check_host(value: Any, what: str = "host") -> str:
    """A host name or IP address (what a server binds or a URL names); anything else is an ``SlmcError``."""
    text = str(value)
    try:
        if "%" not in text:  # no IPv6 scope: it may hold anything
            ipaddress.ip_address(text)
            return text
    except ValueError:
        pass
    if _HOSTNAME.fullmatch(text) is None:
        raise SlmcError(
            f"{what} {text!r} is not a host name or IP address", hint="e.g. 127.0.0.1, 0.0.0.0 or localhost"
        )
    return text


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port(value: Any, what: str = "port") -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = -1
    if isinstance(value, bool) or not 1 <= port <= 65535:
        raise SlmcError(f"{what} {value!r} is not a TCP port", hint="a number from 1 to 65535")
    return port


# ---- api of a site ------------------------------------------------------------------------------------------------
def api_of_request(client: str, api: str) -> str | None:
    """The runtime API shape (``openai.chat`` ...) of an SDK request; None when the router cannot serve it."""
    tail = api.rsplit(".", 3)
    if client in ("openai", "azure-openai"):
        if api.endswith("chat.completions.create") or api.endswith("chat.completions.parse"):
            return "openai.chat"
        if api.endswith("responses.create"):
            return "openai.responses"
        if api.endswith("completions.create"):
            return "openai.completions"
    if client == "anthropic" and api.endswith("messages.create"):
        return "anthropic.messages"
    if client == "litellm" and tail[-1] in ("completion", "acompletion"):
        return "litellm.completion"
    return None


def api_of_site(graph: AgentGraph, site: LLMCall, overrides: Mapping[str, str] | None = None) -> str | None:
    """API shape for a site: a request's own SDK shape. A wrapper-call takes the shape of the request it reaches
    (the rewritten request inside the wrapper is routed under the wrapper-call's entry, with the real messages the
    SLM was trained on); ``text`` (served from the wrapper's arguments) only when that request cannot be routed."""
    if overrides and site.id in overrides:
        return overrides[site.id]
    if site.site == SiteKind.REQUEST:
        return api_of_request(site.client, site.api)
    if site.site == SiteKind.WRAPPER_CALL:
        request = graph.request_of(site.id)
        inner = api_of_request(request.client, request.api) if request is not None else None
        return inner or "text"
    return None


# ---- adapters on disk ---------------------------------------------------------------------------------------------
def sequence_classifier(folder: Path | None) -> str | None:
    """The ``*ForSequenceClassification`` architecture of a Hugging Face model folder, None for anything else (an
    slmc head: ``head.json`` + ``head.safetensors`` over a sentence encoder)."""
    if folder is None or not (folder / "config.json").is_file():
        return None
    try:
        arch = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("architectures") or []
    except (OSError, json.JSONDecodeError, AttributeError):
        return None
    return next((a for a in arch if isinstance(a, str) and a.endswith("ForSequenceClassification")), None)


def read_adapter_config(path: Path) -> dict[str, Any] | None:
    cfg = path / "adapter_config.json"
    if not cfg.is_file():
        return None
    try:
        return json.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def round_rank(rank: int) -> int | None:
    """The smallest allowed serving rank ≥ ``rank`` (None when it exceeds the largest)."""
    return next((r for r in ALLOWED_LORA_RANKS if r >= rank), None)


def model_family(model_name: str, base_dir: Path | None) -> str | None:
    """qwen | llama | phi from the base's config.json architectures, else from the catalog name."""
    if base_dir is not None and (base_dir / "config.json").is_file():
        try:
            arch = " ".join(json.loads((base_dir / "config.json").read_text(encoding="utf-8")).get("architectures", []))
        except (OSError, json.JSONDecodeError):
            arch = ""
        for key, fam in (("Qwen2", "qwen"), ("Llama", "llama"), ("Phi3", "phi")):
            if key in arch:
                return fam
        if arch:
            return None
    lowered = model_name.lower()
    for key, fam in (("qwen", "qwen"), ("llama", "llama"), ("smollm", "llama"), ("phi", "phi")):
        if key in lowered:
            return fam
    return None


# ---- targets ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceSpec:
    """How one endpoint runs as a container (docker-compose and Kubernetes render the same facts)."""

    endpoint: str
    image: str
    argv: tuple[str, ...]  # full command line (argv[0] is the server binary), or the arguments of the image's
    # own ENTRYPOINT when ``image_entrypoint``
    port: int
    health_path: str
    gpu: bool
    mounts: tuple[str, ...] = ()  # bundle folders the server reads (mounted read-only under /bundle)
    health_test: tuple[str, ...] = ()  # docker healthcheck command
    key_env: str | None = None  # the server's API-key variable, filled from SLMC_API_KEY (None: no key support)
    publish_host: str = LOOPBACK  # where docker compose publishes the port on the host
    image_entrypoint: bool = False  # argv are arguments for the image's ENTRYPOINT (compose command, k8s args)
    working_dir: str | None = "/bundle"  # None: the image's own WORKDIR (argv then names bundle files absolutely)


class Target:
    """A serving target. Subclasses set the class facts and implement ``emit``."""

    name: ClassVar[str] = ""
    folder: ClassVar[str] = ""  # bundle folder of the target's files
    supports_lora: ClassVar[bool] = True
    needs_gpu: ClassVar[bool] = True
    multi_adapter: ClassVar[bool] = True
    default_port: ClassVar[int] = 8000
    image: ClassVar[str] = ""
    health_path: ClassVar[str] = "/health"
    health_tool: ClassVar[str] = "python"  # what the image has to probe health with: python | curl
    key_env: ClassVar[str | None] = None  # the variable the server reads its API key from (None: it has no key)
    image_entrypoint: ClassVar[bool] = False  # the image's ENTRYPOINT is the server: containers pass arguments only

    def __init__(self, **options: Any) -> None:
        self.options = dict(options)

    @property
    def bind_host(self) -> str:
        """Where the generated serve scripts bind: option ``host``, loopback by default (containers bind 0.0.0.0
        inside and publish on loopback, see ``slmc.codegen.bundle``)."""
        return check_host(self.options.get("host", LOOPBACK), "target option host")

    def script_context(self, plan: ServingPlan) -> dict[str, Any]:
        """What every serve script template needs besides its endpoints: the API-key wiring and the bind host."""
        endpoints = self.own_endpoints(plan)
        return {
            "plan": plan,
            "access": self.access_block(),
            "default_endpoint": endpoints[0].name if endpoints else "",
            "known": " ".join(ep.name for ep in endpoints),
        }

    def access_block(self) -> ShellWord:
        """Shell lines that hand ``$SLMC_API_KEY`` to the server through its own variable (never on the command
        line, never written into the bundle); a non-loopback bind without a key refuses to start."""
        host = self.bind_host
        if self.key_env is None:
            lines = [f"# The server has no API-key option: it binds {host}; keep it on loopback or behind a firewall."]
            if not is_loopback(host):
                lines.append(f"printf 'warning: %s listens on %s without an API key\\n' {sh(self.name)} {sh(host)} >&2")
            return ShellWord("\n".join(lines))
        lines = [
            f"# Binds {host}. With {API_KEY_ENV} set the server requires 'Authorization: Bearer ${API_KEY_ENV}'",
            f"# (the slmc runtime sends it); the key is passed as {self.key_env}, off the command line.",
            f'if [ -n "${{{API_KEY_ENV}:-}}" ]; then',
            f'  export {self.key_env}="${API_KEY_ENV}"',
        ]
        if not is_loopback(host):
            lines += [
                "else",
                f"  printf 'error: set {API_KEY_ENV}: the server listens on %s, not on loopback\\n' {sh(host)} >&2",
                "  exit 1",
            ]
        lines.append("fi")
        return ShellWord("\n".join(lines))

    # capability
    @classmethod
    def serves_method(cls, method: str) -> bool:
        return method in LORA_METHODS or method == "full"

    @classmethod
    def serves(cls, method: str, folder: Path | None) -> bool:
        """Whether this target's server serves a model trained with ``method`` (its trained folder, when on disk)."""
        return cls.serves_method(method)

    @classmethod
    def why_not_served(cls, method: str, folder: Path | None) -> str:
        """Why this target's server does not serve a model trained with ``method`` (its trained folder, when on
        disk), for the plan's notes."""
        if method == "classifier-head":
            return f"{cls.name} serves chat completions only; a classifier head answers with a label"
        return ""

    # templates
    def template_env(self) -> Any:
        return _template_env(str(Path(importlib.import_module(type(self).__module__).__file__).parent))

    def render(self, template: str, **context: Any) -> str:
        return self.template_env().get_template(template).render(**context)

    # plan checks and files
    def validate(self, plan: ServingPlan) -> list[Problem]:
        problems: list[Problem] = []
        for ep in plan.endpoints:
            if ep.target != self.name:
                continue
            for a in ep.adapters:
                problems.extend(check_adapter(a, where=f"{ep.name}/{a.name}"))
        return problems

    def emit(self, plan: ServingPlan, out_dir: Path) -> list[Path]:  # pragma: no cover - abstract
        raise NotImplementedError

    def own_endpoints(self, plan: ServingPlan) -> list[EndpointSpec]:
        return [ep for ep in plan.endpoints if ep.target == self.name]

    # manifest routing fields
    def endpoint_fields(self, plan: ServingPlan, ep: EndpointSpec) -> dict[str, Any]:
        """Manifest fields of an endpoint besides target and base_model: ``url``, ``model`` (name the server knows)."""
        return {"url": f"http://{plan.host}:{ep.port}/v1", "model": ep.base_model, "api_key_env": API_KEY_ENV}

    def adapter_fields(self, plan: ServingPlan, ep: EndpointSpec, adapter: AdapterSpec) -> dict[str, Any]:
        """Manifest fields of a site's adapter besides name, path, int_id and kind (target-specific routing)."""
        return {}

    def adapter_id(self, ep: EndpointSpec, adapter: AdapterSpec) -> int:
        """The id a request uses for the adapter (``int_id`` in the manifest)."""
        return adapter.int_id

    def services(self, plan: ServingPlan) -> list[ServiceSpec]:
        return []

    def service(
        self, ep: EndpointSpec, argv: list[str], extra_mounts: tuple[str, ...] = (), working_dir: str | None = "/bundle"
    ) -> ServiceSpec:
        """The container of an endpoint: this target's image, ``argv`` (the server's arguments only when the image's
        ENTRYPOINT is the server), GPU when needed, bundle folders it reads (mounted under /bundle)."""
        mounts = [self.folder] if self.folder else []
        if ep.adapters:
            mounts.append("adapters")
        if ep.base_model.startswith("models/"):
            mounts.append("models")
        url = f"http://localhost:{ep.port}{self.health_path}"
        if self.health_tool == "curl":
            test: tuple[str, ...] = ("CMD", "curl", "-fsS", url)
        else:
            test = ("CMD", "python3", "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=5)")
        return ServiceSpec(
            endpoint=ep.name,
            image=str(self.options.get("image", self.image)),
            argv=tuple(argv),
            port=ep.port,
            health_path=self.health_path,
            gpu=self.needs_gpu,
            mounts=tuple(dict.fromkeys([*mounts, *extra_mounts])),
            health_test=test,
            key_env=self.key_env,
            publish_host=self.bind_host,
            image_entrypoint=self.image_entrypoint,
            working_dir=working_dir,
        )


def check_adapter(a: AdapterSpec, where: str, allowed_ranks: tuple[int, ...] = ()) -> list[Problem]:
    """Checks every LoRA-serving target shares: adapter on disk with a usable rank and no saved modules."""
    problems: list[Problem] = []
    if a.method == "classifier-head":
        return problems
    if a.planned:
        pass  # not trained yet: nothing on disk to check
    elif a.source is None:
        problems.append(
            Problem(where, f"adapter of {a.task} not found on disk", hint="train first (slmc train) or pass build_dir")
        )
    elif not (a.source / "adapter_model.safetensors").is_file() and not (a.source / "adapter_model.bin").is_file():
        problems.append(Problem(where, f"{a.source} has no adapter_model.safetensors or adapter_model.bin"))
    if a.rank <= 0:
        problems.append(Problem(where, f"adapter rank r={a.rank} is not positive"))
    if allowed_ranks and a.rank > max(allowed_ranks):
        problems.append(
            Problem(where, f"adapter rank r={a.rank} exceeds the largest servable rank {max(allowed_ranks)}")
        )
    if a.modules_to_save:
        problems.append(
            Problem(
                where,
                f"adapter saves full modules {list(a.modules_to_save)}; LoRA servers cannot load them",
                hint="retrain with modules_to_save empty",
            )
        )
    if not a.target_modules:
        problems.append(Problem(where, "adapter has no target_modules"))
    return problems


class ShellWord(str):
    """Text made safe for a bash script by ``sh`` / ``shcommand``: the only strings the script templates print."""


def sh(value: Any) -> ShellWord:
    """One shell word for ``value``, on one line: ``shlex.quote``, or bash ANSI-C quoting (``$'...'``) when the text
    holds a newline or another non-printable character (so it cannot end a comment line or split a command)."""
    import shlex

    text = str(value)
    if all(ch.isprintable() for ch in text):
        return ShellWord(shlex.quote(text))
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\\'":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return ShellWord("$'" + "".join(out) + "'")


def shcommand(argv: list[str] | tuple[str, ...], indent: int = 4) -> ShellWord:
    """A shell command line of ``sh``-quoted words, one ``--flag value...`` group per continued line."""
    lines: list[list[str]] = [[]]
    for i, arg in enumerate(argv):
        if str(arg).startswith("--") and i > 0:
            lines.append([])
        lines[-1].append(sh(arg))
    return ShellWord((" \\\n" + " " * indent).join(" ".join(line) for line in lines))


def comment_text(value: Any) -> str:
    """A name for a generated comment line: as it is when it is plain, else JSON-quoted (one line, escapes shown)."""
    text = str(value)
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


_PLAIN = re.compile(r"[\w.+@/:-]+", re.ASCII)


def _shell_finalize(value: Any) -> Any:
    """Every ``{{ }}`` of a script template must be an ``sh`` / ``shcommand`` result or an int (``| int``)."""
    if isinstance(value, ShellWord) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"unquoted value {value!r} in a shell template: pass it through the sh filter (or | int)")


@functools.cache
def _template_env(folder: str) -> Any:
    """The jinja environment of a target's script templates (one per folder, so templates compile once)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(folder),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_shell_finalize,
    )
    env.filters["sh"] = sh
    env.filters["shcommand"] = shcommand
    return env


def shell_syntax_errors(folder: Path) -> list[tuple[Path, str]]:
    """``bash -n`` on every ``*.sh`` under ``folder`` (outside copied models and adapters); nothing when bash is
    missing."""
    bash = shutil.which("bash")
    if bash is None:
        return []
    out = []
    for path in sorted(folder.rglob("*.sh")):
        if {"adapters", "models"} & set(path.relative_to(folder).parts[:1]):
            continue
        proc = subprocess.run([bash, "-n", str(path)], capture_output=True, text=True, timeout=30, check=False)
        if proc.returncode != 0:
            out.append((path, f"bash -n failed: {proc.stderr.strip()[:300]}"))
    return out


# name -> "module:Class"; imported lazily.
TARGETS: dict[str, str] = {
    "tensorrt-llm": "slmc.targets.tensorrt_llm:TensorRTLLMTarget",
    "vllm": "slmc.targets.vllm:VLLMTarget",
    "hf": "slmc.targets.hf:HFTarget",
    "llamacpp": "slmc.targets.llamacpp:LlamaCppTarget",
}
ALIASES = {"trtllm": "tensorrt-llm", "trt-llm": "tensorrt-llm", "llama.cpp": "llamacpp", "transformers": "hf"}


def target_class(name: str) -> type[Target]:
    key = ALIASES.get(name, name)
    spec = TARGETS.get(key)
    if spec is None:
        raise SlmcError(f"unknown target {name!r}", hint=f"known targets: {', '.join(TARGETS)}")
    module_name, cls_name = spec.split(":")
    return getattr(importlib.import_module(module_name), cls_name)


def get_target(name: str, **options: Any) -> Target:
    return target_class(name)(**options)
