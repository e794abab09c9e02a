"""Write the deployment bundle: manifest, adapters, target scripts, docker-compose, Kubernetes, README, rewritten agent.

The bundle is built in a temporary folder beside ``out_dir`` and swapped into place at the end, so an interrupted
compile never leaves a half-written bundle and an existing bundle stays intact until the new one is complete.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from slmc.codegen.gateways import write_gateways
from slmc.codegen.manifest import MANIFEST_NAME, PICKLE_PATTERNS, build_manifest, dump_manifest, manifest_errors
from slmc.codegen.rewrite import Change, SiteRewrite, rewrite_agent, rewrites_from_graph
from slmc.errors import SlmcError
from slmc.ir.graph import AgentGraph
from slmc.ir.nodes import HEAD_METHODS, Decision, LLMCall, SiteKind
from slmc.safety import OWNER_MARK, UnsafePathError, is_owned, mark_owned, owned_files, remove_owned, safe_join
from slmc.targets.base import (
    API_KEY_ENV,
    ServiceSpec,
    ServingPlan,
    Target,
    comment_text,
    get_target,
    raise_problems,
    sh,
    shell_syntax_errors,
)

TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class BundleResult:
    out_dir: Path
    files: list[str]  # bundle-relative paths, sorted
    manifest: dict[str, Any]
    plan: ServingPlan
    changes: list[Change] = field(default_factory=list)  # codegen: one per accepted site


@functools.cache
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["sh"] = sh
    env.filters["md_code"] = md_code
    env.filters["md_text"] = md_text
    return env


def _one_line(value: Any) -> str:
    """Text on one line of printable characters (whitespace runs become one space, others a replacement sign)."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in " ".join(str(value).split()))


def md_code(value: Any) -> str:
    """A Markdown code span that holds ``value`` whatever it contains (one line; the fence outgrows its backticks;
    ``|`` escaped so a table row stays whole)."""
    text = _one_line(value).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|!])")


def md_text(value: Any) -> str:
    """Plain Markdown text: one line, with the characters that make links, HTML, code or table cells escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(value))


def dns_name(text: str, max_len: int = 63) -> str:
    """A Kubernetes name (DNS-1123 label, starting with a letter as Services need): lowercase letters, digits and
    ``-``. A name that had to be shortened gets a hash of the full text, so two long names never collide."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    if not name[:1].isalpha():
        name = f"x-{name}".rstrip("-")
    if len(name) > max_len:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        name = f"{name[: max_len - 9].rstrip('-')}-{digest}"
    return name


def plan_targets(plan: ServingPlan, target_options: Mapping[str, Any]) -> list[Target]:
    """The main target first, then any other target an endpoint falls back to (hf for classifier heads)."""
    names = [plan.target, *sorted({ep.target for ep in plan.endpoints} - {plan.target})]
    return [get_target(n, **target_options) for n in names]


def check_out_dir(out_dir: Path, protected: Iterable[Path] = ()) -> None:
    """Refuse an output folder slmc could lose user data in, before any work is done.

    ``out_dir`` may be missing, empty, or a folder slmc wrote (its ``.slmc-owned`` mark lists every file in it).
    It may not be, or contain, any of ``protected`` (the agent's sources, the traces, the build folder).
    """
    out_dir = Path(out_dir)
    resolved = out_dir.resolve()
    if resolved.parent == resolved:
        raise SlmcError("--out may not be the file system root", path=str(out_dir), hint="choose a new folder")
    for p in protected:
        held = Path(p).resolve()
        if held == resolved or held.is_relative_to(resolved):
            raise SlmcError(
                f"--out {out_dir} is or contains {held} (the agent's sources, its traces or the build folder); "
                "writing the bundle there would replace them",
                path=str(out_dir),
                hint="choose an --out folder outside the agent's source folder and the traces, e.g. a new build/",
            )
    if out_dir.is_symlink():
        raise SlmcError("output path is a symbolic link", path=str(out_dir), hint="choose a real (new) folder")
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise SlmcError("output path exists and is not a folder", path=str(out_dir), hint="choose another --out")
    if not any(out_dir.iterdir()):
        return
    listed = owned_files(out_dir)
    if listed is None:
        if (out_dir / MANIFEST_NAME).exists():
            raise SlmcError(
                f"output folder holds {MANIFEST_NAME} but no slmc mark ({OWNER_MARK}): it is not an slmc bundle "
                "written by this slmc (an older bundle, or a folder of yours); refusing to replace it",
                path=str(out_dir),
                hint="if it is an old bundle, remove it yourself; otherwise choose a new --out",
            )
        raise SlmcError(
            "output folder is not empty and is not an slmc bundle; refusing to replace it",
            path=str(out_dir),
            hint="choose an empty or new folder",
        )
    extra = sorted(set(_tree(out_dir)) - set(listed))
    if extra:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        raise SlmcError(
            f"output folder is an slmc bundle but holds files slmc did not write ({shown}); refusing to replace it, "
            "they would be lost",
            path=str(out_dir),
            hint="move those files out of the folder, or choose a new --out",
        )


def _tree(folder: Path) -> list[str]:
    """Every file, link and empty folder under ``folder`` (posix, relative), the slmc mark itself left out."""
    found: list[str] = []
    for top, dirs, files in os.walk(folder):
        rel = Path(top).relative_to(folder)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            found.append((rel / name).as_posix())
        if not dirs and not files and top != str(folder):
            found.append(rel.as_posix() + "/")
    return sorted(f for f in found if f != OWNER_MARK)


def _discard(folder: Path) -> None:
    """Delete a folder of ours (slmc-marked); an empty unmarked one is removed too; anything else is left alone."""
    if is_owned(folder):
        remove_owned(folder)
        return
    try:
        folder.rmdir()  # only ever succeeds on an empty folder
    except OSError:
        pass


def write_bundle(
    graph: AgentGraph,
    plan_options: Mapping[str, Any],
    out_dir: Path,
    target: str = "vllm",
    *,
    plan: ServingPlan | None = None,
) -> BundleResult:
    """Write the bundle for ``target`` into ``out_dir`` atomically.

    ``plan``: the serving plan the ``plan-serving`` pass wrote (``unit.reports.serving``); without it (a library
    caller with a gated graph only) it is lowered here from ``graph`` and ``plan_options`` (see
    ``slmc.passes.plan_serving.lower_serving_plan``). ``plan_options`` also: ``root`` (agent source root: rewrite the
    accepted sites into ``agent/`` and ``agent.patch``), ``build_dir`` (kept apart from the bundle),
    ``target_options`` (e.g. ``{"engine": True}`` for TensorRT-LLM), ``pvc`` (Kubernetes claim holding the bundle).
    """
    out_dir = Path(out_dir)
    plan, targets, manifest = check_plan(graph, plan_options, target, plan=plan)
    protected = [Path(p) for p in (plan_options.get("root"), plan_options.get("build_dir")) if p is not None]
    check_out_dir(out_dir, protected)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    mark_owned(tmp)  # a compile killed from here on leaves a folder the next one may remove
    try:
        changes = _write_all(graph, plan, manifest, targets, plan_options, tmp)
        _check_written(tmp)
        mark_owned(tmp, _tree(tmp))
        check_out_dir(out_dir, protected)  # again: nothing of the user's may have appeared there meanwhile
        _swap_into_place(tmp, out_dir)
    finally:
        if tmp.exists():
            _discard(tmp)  # the old bundle (swapped out) or our unfinished one
    files = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file() and p.name != OWNER_MARK)
    return BundleResult(out_dir, files, manifest, plan, changes)


def check_plan(
    graph: AgentGraph, plan_options: Mapping[str, Any], target: str, *, plan: ServingPlan | None = None
) -> tuple[ServingPlan, list[Target], dict[str, Any]]:
    """The serving plan (``plan``, else lowered from ``graph``), its targets and its manifest, after every check that
    needs no file written: each target's ``validate`` and the manifest schema. Raises ``SlmcError`` naming every
    problem."""
    target_options = dict(plan_options.get("target_options") or {})
    main = get_target(target, **target_options)
    if plan is None:
        from slmc.passes.plan_serving import lower_serving_plan

        plan = lower_serving_plan(graph, plan_options, main.name)
    elif plan.target != main.name:
        raise SlmcError(
            f"the serving plan was made for {plan.target}, not {main.name}",
            hint=f"run the plan-serving pass with target={main.name}",
        )
    targets = plan_targets(plan, target_options)
    for t in targets:
        raise_problems(t.name, t.validate(plan))
    manifest = build_manifest(plan, target_options)
    problems = manifest_errors(manifest)
    if problems:  # a bug of ours, never the user's: say so plainly
        raise SlmcError(
            "generated manifest breaks its schema:\n    " + "\n    ".join(problems),
            hint="this is a bug in slmc: report it with the lines above (`slmc compile --emit plan` reproduces it)",
        )
    return plan, targets, manifest


def planned_graph(graph: AgentGraph) -> AgentGraph:
    """A copy of ``graph`` as the gate would leave it if every planned task (an SLM and a fine-tune plan) passed:
    those tasks offloaded, every other task kept, each site decided from its tasks as the gate does."""
    from slmc.training.gate import site_verdict  # light: no ML imports

    out = graph.copy()
    for task in out.tasks():
        planned = task.slm is not None and task.finetune is not None
        reasons = ("planned: assumed to pass the quality gate",) if planned else ("not planned for fine-tuning",)
        out.update(task.id, decision=Decision.OFFLOAD if planned else Decision.KEEP, decision_reasons=reasons)
    tasks = out.tasks()
    for site in out.nodes(LLMCall):
        verdict = site_verdict(site.id, tasks)
        if verdict is not None:
            out.update(site.id, decision=verdict.decision, decision_reasons=verdict.reasons)
    return out


def preflight(graph: AgentGraph, plan_options: Mapping[str, Any], target: str) -> ServingPlan:
    """Check, before anything is trained, that the bundle of this plan can be written: the plan as if every planned
    task passed the quality gate, through the same target checks and manifest schema as ``write_bundle``.

    Raises ``SlmcError`` saying that nothing was trained. Adapters not on disk yet are taken from the fine-tune plan.
    """
    try:
        plan, _targets, _manifest = check_plan(planned_graph(graph), {**plan_options, "planned": True}, target)
    except SlmcError as exc:
        raise SlmcError(
            f"the plan cannot be written as a bundle (checked before training; nothing was trained): {exc.message}",
            path=exc.path,
            line=exc.line,
            hint=exc.hint,
        ) from None
    return plan


def _write_all(
    graph: AgentGraph,
    plan: ServingPlan,
    manifest: dict[str, Any],
    targets: list[Target],
    plan_options: Mapping[str, Any],
    tmp: Path,
) -> list[Change]:
    (tmp / MANIFEST_NAME).write_text(dump_manifest(manifest), encoding="utf-8")
    _copy_models(plan, tmp)
    for name, folder in (plan_options.get("extra_dirs") or {}).items():  # e.g. the compile report
        shutil.copytree(Path(folder), tmp / name)
    for t in targets:
        t.emit(plan, tmp)
    services = [svc for t in targets for svc in t.services(plan)]
    project = dns_name(f"slmc-{plan.agent_name}")
    claim = str(plan_options.get("pvc") or f"{project}-bundle")
    if services:
        _write_deployment(plan, services, project, claim, tmp)
    write_gateways(graph, manifest, tmp)  # litellm/, semantic-router/ for the sites served over HTTP
    changes: list[Change] = []
    root = plan_options.get("root")
    if root is not None:
        rewrites = codegen_rewrites(graph, plan)
        if rewrites:
            results = rewrite_agent(Path(root), rewrites, out_dir=tmp / "agent", patch=tmp / "agent.patch")
            changes = [c for r in results for c in r.changes]
    _write_readme(plan, manifest, targets, services, claim, bool(changes), tmp)
    return changes


def codegen_rewrites(graph: AgentGraph, plan: ServingPlan) -> dict[str, SiteRewrite]:
    """Sites to rewrite: every routed (offload / shadow) site of the plan, plus the request each routed wrapper-call
    reaches, so the router sees that request and serves it under the wrapper-call's entry (docs/interfaces.md §5)."""
    decisions: dict[str, Decision] = {r.site_id: r.decision for r in plan.sites}
    for r in plan.sites:
        if r.decision != Decision.KEEP and r.kind == SiteKind.WRAPPER_CALL:
            request = graph.request_of(r.site_id)
            if request is not None and decisions.get(request.id, Decision.KEEP) == Decision.KEEP:
                decisions[request.id] = Decision.SHADOW
    api = {r.site_id: r.api for r in plan.sites if r.api}
    return rewrites_from_graph(graph, decisions, api)


def _copy_models(plan: ServingPlan, tmp: Path) -> None:
    """Trained models into the bundle; a pickle (an old ``classifier.joblib``) never travels: the runtime loads none,
    and the build folder's ownership marks and a head's cross-validation or held-out answers (``crossval.json``,
    ``heldout.json``) stay behind."""
    skip = shutil.ignore_patterns(OWNER_MARK, "crossval.json", "heldout.json", *PICKLE_PATTERNS)
    for ep in plan.endpoints:
        if ep.base_source is not None:
            shutil.copytree(ep.base_source, safe_join(tmp, ep.base_model), ignore=skip)
        for a in ep.adapters:
            if a.source is not None:
                shutil.copytree(a.source, safe_join(tmp, a.path), ignore=skip)


def _write_deployment(plan: ServingPlan, services: list[ServiceSpec], project: str, claim: str, tmp: Path) -> None:
    """docker-compose.yaml and k8s/ (Deployments, Services), dumped from Python data: no name can change their
    structure. Containers listen on 0.0.0.0 inside; compose publishes on loopback and, like Kubernetes, hands the
    server ``$SLMC_API_KEY`` (compose refuses to start without it)."""
    names = {svc.endpoint: dns_name(f"{project}-{svc.endpoint}") for svc in services}
    secret = dns_name(f"{project}-api-key")
    agent = comment_text(plan.agent_name)
    (tmp / "k8s").mkdir()
    keyed = any(svc.key_env for svc in services)
    compose_head = (
        f"# docker compose for {agent}: one service per small-model endpoint ({plan.target}).\n"
        f"# Start: {f'{API_KEY_ENV}=... ' if keyed else ''}docker compose up -d   (from this bundle's folder); the agent "
        "reads slmc-manifest.yaml.\n"
    )
    _write_yaml(tmp / "docker-compose.yaml", compose_head, [compose_doc(services, project)])
    deploy_head = (
        f"# Kubernetes Deployments for {agent}'s small-model endpoints ({plan.target}).\n"
        f"# The bundle folder must be on the PersistentVolumeClaim {json.dumps(claim)}, mounted at /bundle.\n"
        + (
            f"# API key: kubectl create secret generic {secret} --from-literal={API_KEY_ENV}=...\n"
            if keyed
            else "# The server takes no API key: keep its Service cluster-internal (ClusterIP, no Ingress) or put an\n"
            "# authenticating proxy in front of it.\n"
        )
    )
    docs = [deployment_doc(svc, names[svc.endpoint], project, claim, secret) for svc in services]
    _write_yaml(tmp / "k8s" / "deployment.yaml", deploy_head, docs)
    service_head = (
        f"# Kubernetes Services for {agent}'s small-model endpoints; in-cluster URLs: http://<name>:<port>/v1\n"
    )
    docs = [service_doc(svc, names[svc.endpoint], project) for svc in services]
    _write_yaml(tmp / "k8s" / "service.yaml", service_head, docs)


class YamlDumper(yaml.SafeDumper):
    """``yaml.SafeDumper`` with list items indented under their key and no ``&id`` anchors for repeated values."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(docs: list[Any]) -> str:
    """YAML documents (``---`` between several) as the bundle writes them: dumped, never templated."""
    return yaml.dump_all(
        docs, Dumper=YamlDumper, sort_keys=False, allow_unicode=False, width=120, explicit_start=len(docs) > 1
    )


def _write_yaml(path: Path, header: str, docs: list[dict[str, Any]]) -> None:
    path.write_text(header + dump_yaml(docs), encoding="utf-8")


def _dollars(value: Any) -> Any:
    """``$`` doubled in every string: docker compose interpolates ``${VAR}`` and Kubernetes ``$(VAR)`` in commands."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, list | tuple):
        return [_dollars(v) for v in value]
    if isinstance(value, dict):
        return {k: _dollars(v) for k, v in value.items()}
    return value


def compose_doc(services: list[ServiceSpec], project: str) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for svc in services:
        run: dict[str, Any] = {"image": svc.image}
        if svc.image_entrypoint:  # the image's own ENTRYPOINT runs the server: arguments only
            run["command"] = list(svc.argv)
        else:
            run["entrypoint"] = [svc.argv[0]]
            run["command"] = list(svc.argv[1:])
        if svc.working_dir:
            run["working_dir"] = svc.working_dir
        run["ports"] = [f"{svc.publish_host}:{svc.port}:{svc.port}"]
        run["volumes"] = [*(f"./{m}:/bundle/{m}:ro" for m in svc.mounts), "hf-cache:/root/.cache/huggingface"]
        entry: dict[str, Any] = _dollars(run)
        if svc.key_env:  # the one interpolated value: compose stops with this message when the key is unset
            entry["environment"] = {
                svc.key_env: f"${{{API_KEY_ENV}:?set {API_KEY_ENV}: the server requires an API key}}"
            }
        if svc.gpu:
            entry["ipc"] = "host"
        entry["healthcheck"] = {
            "test": _dollars(list(svc.health_test)),
            "interval": "30s",
            "timeout": "10s",
            "retries": 5,
            "start_period": "600s",
        }
        entry["restart"] = "unless-stopped"
        if svc.gpu:
            gpu = {"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}
            entry["deploy"] = {"resources": {"reservations": {"devices": [gpu]}}}
        doc[svc.endpoint] = entry
    return {"name": project, "services": doc, "volumes": {"hf-cache": {}}}


def deployment_doc(svc: ServiceSpec, name: str, project: str, claim: str, secret: str) -> dict[str, Any]:
    probe = {"httpGet": {"path": svc.health_path, "port": "http"}}
    container: dict[str, Any] = {"name": "server", "image": svc.image}
    # ``command`` replaces the image's ENTRYPOINT; ``args`` keeps it (the server binary of the image) and passes on.
    container["args" if svc.image_entrypoint else "command"] = _dollars(list(svc.argv))
    if svc.working_dir:
        container["workingDir"] = svc.working_dir
    if svc.key_env:
        ref = {"secretKeyRef": {"name": secret, "key": API_KEY_ENV}}
        container["env"] = [{"name": svc.key_env, "valueFrom": ref}]
    container["ports"] = [{"name": "http", "containerPort": svc.port}]
    container["readinessProbe"] = {**probe, "initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 3}
    container["livenessProbe"] = {**probe, "initialDelaySeconds": 600, "periodSeconds": 30, "failureThreshold": 5}
    if svc.gpu:
        container["resources"] = {"limits": {"nvidia.com/gpu": 1}}
    else:
        container["resources"] = {"requests": {"cpu": "2", "memory": "4Gi"}}
    mounts = [
        {"name": "bundle", "mountPath": "/bundle", "readOnly": True},
        {"name": "hf-cache", "mountPath": "/root/.cache/huggingface"},
    ]
    volumes: list[dict[str, Any]] = [
        {"name": "bundle", "persistentVolumeClaim": {"claimName": claim}},
        {"name": "hf-cache", "emptyDir": {}},
    ]
    if svc.gpu:
        mounts.append({"name": "shm", "mountPath": "/dev/shm"})
        volumes.append({"name": "shm", "emptyDir": {"medium": "Memory"}})
    container["volumeMounts"] = mounts
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": project}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [container], "volumes": volumes},
            },
        },
    }


def service_doc(svc: ServiceSpec, name: str, project: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": project}},
        "spec": {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "http", "port": svc.port, "targetPort": "http"}],
        },
    }


def _write_readme(
    plan: ServingPlan,
    manifest: dict[str, Any],
    targets: list[Target],
    services: list[ServiceSpec],
    claim: str,
    rewritten: bool,
    tmp: Path,
) -> None:
    """The README names only what was written into ``tmp``: target folders with their scripts, the adapters by kind,
    and the steps of the targets that serve an endpoint."""
    counts = {d.value: sum(1 for r in plan.sites if r.decision == d) for d in Decision}
    adapter_names = {ep.name: [a.name for a in ep.adapters] for ep in plan.endpoints}
    copied = [a for ep in plan.endpoints for a in ep.adapters if (tmp / a.path).is_dir()]
    views = []
    for t in targets:
        own = [ep for ep in plan.endpoints if ep.target == t.name]
        if not own:
            continue  # the main target serves nothing here (e.g. every task is a classifier head): no step, no folder
        folder = tmp / t.folder if t.folder else None
        scripts = sorted(p.relative_to(tmp).as_posix() for p in folder.rglob("*") if p.is_file()) if folder else []
        views.append(
            _TargetView(
                t,
                scripts=scripts if folder is not None and folder.is_dir() else [],
                compose=bool(t.services(plan)),
                heads=any(a.method in HEAD_METHODS for ep in own for a in ep.adapters),
                loras=any(a.method not in HEAD_METHODS for ep in own for a in ep.adapters),
                pooling=any(ep.runner == "pooling" for ep in own),
            )
        )
    in_process = {a.name for ep in plan.endpoints if ep.target == "hf" for a in ep.adapters}
    text = (
        _env()
        .get_template("README.md.j2")
        .render(
            plan=plan,
            manifest=manifest,
            targets=views,
            services=services,
            claim=claim,
            rewritten=rewritten,
            counts=counts,
            lora_adapters=[a.name for a in copied if a.method not in HEAD_METHODS],
            heads=[a.name for a in copied if a.method in HEAD_METHODS and a.name in in_process],
            classifiers=[a.name for a in copied if a.method == "classifier-head" and a.name not in in_process],
            gateways={rel: (tmp / rel).is_file() for rel in ("litellm/config.yaml", "semantic-router/config.yaml")},
            models=(tmp / "models").is_dir(),
            adapter_names=adapter_names,
            secret=dns_name(f"{dns_name(f'slmc-{plan.agent_name}')}-api-key"),
            bind_host=targets[0].bind_host,
        )
    )
    (tmp / "README.md").write_text(text, encoding="utf-8")


@dataclass
class _TargetView:
    target: Target
    scripts: list[str] = field(default_factory=list)  # files written into the target's folder
    compose: bool = False  # its endpoints run as containers (docker-compose.yaml, k8s/)
    heads: bool = False  # it serves classifier heads
    loras: bool = False  # it serves LoRA adapters
    pooling: bool = False  # it runs classifier servers (vLLM --runner pooling)

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def folder(self) -> str:
        return self.target.folder

    @property
    def image(self) -> str:
        return str(self.target.options.get("image", self.target.image))

    @property
    def engine(self) -> bool:
        return bool(self.target.options.get("engine"))


def _check_written(tmp: Path) -> None:
    """Re-read what was written: the manifest against the schema (with files), every YAML parses, every shell script
    passes ``bash -n``, and the whole bundle passes ``slmc.targets.validate.validate_bundle``."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same safe loader, in C when libyaml is there
    problems = manifest_errors(yaml.load((tmp / MANIFEST_NAME).read_text(encoding="utf-8"), Loader=loader), tmp)
    for path in sorted(tmp.rglob("*.yaml")):
        if path.name == MANIFEST_NAME or "adapters" in path.relative_to(tmp).parts:
            continue
        try:
            list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader))
        except yaml.YAMLError as exc:
            problems.append(f"{path.relative_to(tmp)}: not valid YAML: {exc}")
    problems += [f"{path.relative_to(tmp)}: {msg}" for path, msg in shell_syntax_errors(tmp)]
    if not problems:  # the static checks against the pinned upstream releases (containers, README, requests, ...)
        from slmc.targets.validate import validate_bundle

        problems += [str(p) for p in validate_bundle(tmp)]
    if problems:
        raise SlmcError("the bundle written is inconsistent:\n    " + "\n    ".join(problems))


# ---- atomic replacement -------------------------------------------------------------------------------------------
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Put the finished bundle ``tmp`` at ``out_dir``; the folder replaced (checked by ``check_out_dir``: empty or
    slmc's own) ends up in ``tmp`` or a marked ``.old-*`` sibling, which only ``_discard`` removes."""
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    if _exchange(tmp, out_dir):  # tmp now holds the old bundle; the caller removes it
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    n = 0
    while old.exists() or old.is_symlink():  # never rename over something that is there
        n += 1
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{n}")
    os.replace(out_dir, old)  # two renames: the old bundle survives under .old-* if we die in between
    try:
        os.replace(tmp, out_dir)
    except OSError:
        os.replace(old, out_dir)
        raise
    _discard(old)


def _remove_stale(out_dir: Path) -> None:
    """Remove temp folders left by killed compiles; restore an old bundle stranded between two renames. Only
    slmc-marked folders are touched: a folder of the user's that merely matches the name pattern stays."""
    parent = out_dir.parent
    if not parent.is_dir():
        return
    name = glob.escape(out_dir.name)
    for p in sorted(parent.glob(f".{name}.old-*")):
        if not is_owned(p):
            continue
        if not out_dir.exists() and not out_dir.is_symlink():
            os.replace(p, out_dir)
        else:
            try:
                remove_owned(p)
            except UnsafePathError:
                pass
    for p in sorted(parent.glob(f".{name}.tmp-*")):  # concurrent compiles into one bundle are not supported
        if is_owned(p):
            remove_owned(p)


def add_to_mark(folder: Path, files: Iterable[str]) -> None:
    """Record more files slmc wrote into its own ``folder`` (e.g. the compile summary written after the bundle)."""
    listed = owned_files(folder) or []
    mark_owned(folder, sorted({*listed, *files}))
