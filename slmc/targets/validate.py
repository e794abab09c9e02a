"""Static checks of a whole deployment bundle against the upstream releases it pins (no GPU, no server installed).

``validate_bundle(bundle)`` returns every ``Problem`` found:

- the manifest: schema and files (``slmc.codegen.manifest``);
- containers (docker-compose.yaml, k8s/deployment.yaml): each one's program resolves inside its image (compose
  ``entrypoint`` / k8s ``command`` replace the image's ENTRYPOINT, ``command`` / ``args`` alone keep it), it is the
  server of its target with flags of the pinned release, and every bundle path it names resolves from its working
  directory into a mounted bundle folder;
- README.md: every bundle path and script it names exists;
- TensorRT-LLM: ``trtllm/`` (``slmc.targets.tensorrt_llm.validate``), the request keys the runtime sends are fields the
  pinned ``ChatCompletionRequest`` accepts, ``lora_request`` holds ``LoRARequest`` keys and its ``lora_path`` resolves
  from the server's working directory (serve.sh, compose, k8s) to the adapter, listed in the endpoint's lora_dir;
- vLLM: ``--max-lora-rank`` in the allowed set and ≥ every adapter's r, unique adapter names, no ``=`` or ``,`` in
  adapter paths, ``--max-cpu-loras`` ≥ ``--max-loras``, every routed adapter served by name, ``--runner`` /
  ``--convert`` choices; a classifier served by vLLM is a ``*ForSequenceClassification`` of the pinned release on a
  ``--runner pooling`` line of its own, and the runtime's ``/classify`` body holds only request fields;
- llama.cpp: ``--outtype`` accepted by the converters, ``--base`` a folder with config.json, every ``--lora`` file made
  by convert.sh, adapter ids in ``--lora`` order equal to the manifest's ``int_id``.

The tables come from ``slmc.targets.upstream`` (each pinned to the upstream version it was read from).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from slmc.targets.base import Problem
from slmc.targets.tensorrt_llm.validate import split_line, validate_trtllm_dir
from slmc.targets.upstream import (
    CHAT_COMPLETION_FIELDS,
    LLAMA_SERVER_FLAGS,
    LLAMACPP_BUILD,
    LLAMACPP_LORA_OUTTYPES,
    LLAMACPP_MODEL_OUTTYPES,
    LORA_REQUEST_FIELDS,
    TRTLLM_SERVE_FLAGS,
    TRTLLM_VERSION,
    VLLM_CLASSIFY_FIELDS,
    VLLM_CONVERTS,
    VLLM_LORA_RANKS,
    VLLM_RUNNERS,
    VLLM_SERVE_FLAGS,
    VLLM_VERSION,
    image_facts,
)

MANIFEST = "slmc-manifest.yaml"
BUNDLE_MOUNT = "/bundle"  # where containers see the bundle
SERVE_DIR = {"tensorrt-llm": "trtllm", "vllm": "vllm", "llamacpp": "llamacpp"}
# Folders slmc writes, and the ones the target scripts create (gguf/ by convert.sh, build/ by build_engine.sh).
BUNDLE_TOP = ("adapters", "models", "trtllm", "vllm", "llamacpp", "hf", "k8s", "agent", "litellm", "semantic-router")
GENERATED_TOP = ("gguf", "build")


def validate_bundle(bundle: Path) -> list[Problem]:
    """Every problem of the bundle at ``bundle`` (empty: it is consistent with the pinned upstream releases)."""
    from slmc.codegen.manifest import manifest_errors

    bundle = Path(bundle)
    try:
        manifest = yaml.safe_load((bundle / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [Problem(MANIFEST, f"cannot be read: {exc}")]
    problems = [Problem(MANIFEST, msg) for msg in manifest_errors(manifest, bundle)]
    if problems:
        return problems
    generated = _generated_files(bundle)
    problems += check_readme(bundle)
    problems += check_containers(bundle, manifest, generated)
    targets = {ep["target"] for ep in manifest["endpoints"].values()}
    for target, folder in SERVE_DIR.items():
        if target in targets and not (bundle / folder / "serve.sh").is_file():
            problems.append(Problem(f"{folder}/serve.sh", f"missing, but the manifest has {target} endpoints"))
    if "tensorrt-llm" in targets and (bundle / "trtllm").is_dir():
        problems += validate_trtllm_dir(bundle)
        problems += check_trtllm_requests(bundle, manifest)
    if "vllm" in targets and (bundle / "vllm" / "serve.sh").is_file():
        problems += check_vllm(bundle, manifest)
    if "llamacpp" in targets and (bundle / "llamacpp" / "serve.sh").is_file():
        problems += check_llamacpp(bundle, manifest, generated)
    problems += check_heads(bundle, manifest)
    return problems


# ---- scripts --------------------------------------------------------------------------------------------------------
def script_commands(script: str) -> Iterator[tuple[str | None, list[str]]]:
    """(case label or None, argv) of every command line of a generated script (continuations joined, comments
    dropped); a ``label)`` line of a ``case`` names the endpoint of the commands after it."""
    label: str | None = None
    for line in script.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            argv = split_line(line)
        except ValueError:
            continue
        if len(argv) == 1 and argv[0].endswith(")") and line.rstrip().endswith(")") and "(" not in argv[0]:
            label = None if argv[0] == "*)" else argv[0][:-1]
            continue
        if argv:
            yield label, argv


def _program(argv: list[str], name: str) -> list[str] | None:
    """The part of ``argv`` from the program ``name`` on (after ``exec`` / ``python3``), else None."""
    for i, word in enumerate(argv):
        if word == name or word.endswith("/" + name) or word.endswith('"/' + name):
            return argv[i:]
    return None


def endpoint_commands(script: str, program: str) -> dict[str, list[str]]:
    """endpoint -> the ``program`` command line its ``case`` arm runs."""
    out: dict[str, list[str]] = {}
    for label, argv in script_commands(script):
        found = _program(argv, program)
        if found is not None and label is not None:
            out[label] = found
    return out


def parse_flags(
    argv: list[str], table: dict[str, bool], where: str, what: str, start: int = 1
) -> tuple[list[str], dict[str, list[str]], list[Problem]]:
    """(positionals, flag -> values, problems) of a command line checked against a pinned flag table; a flag that
    takes values collects every word up to the next flag (``--lora-modules a=x b=y``)."""
    positionals: list[str] = []
    flags: dict[str, list[str]] = {}
    problems: list[Problem] = []
    i = start
    while i < len(argv):
        word = argv[i]
        if not word.startswith("-") or re.fullmatch(r"-\d+(\.\d+)?", word):
            positionals.append(word)
            i += 1
            continue
        takes = table.get(word)
        if takes is None:
            problems.append(Problem(where, f"{word!r} is not a {what} flag of the pinned table"))
            i += 1
            continue
        values: list[str] = []
        i += 1
        if takes:
            while i < len(argv) and (not argv[i].startswith("-") or re.fullmatch(r"-\d+", argv[i])):
                values.append(argv[i])
                i += 1
            if not values:
                problems.append(Problem(where, f"{word} needs a value"))
        flags.setdefault(word, []).extend(values)
    return positionals, flags, problems


def _generated_files(bundle: Path) -> set[str]:
    """Bundle paths the bundle's own scripts create: convert.sh ``--outfile``s, build_engine.sh ``--output_dir``s."""
    out: set[str] = set()
    for script in (bundle / "llamacpp" / "convert.sh", bundle / "trtllm" / "build_engine.sh"):
        if not script.is_file():
            continue
        for _label, argv in script_commands(script.read_text(encoding="utf-8")):
            for flag in ("--outfile", "--output_dir"):
                if flag in argv and argv.index(flag) + 1 < len(argv):
                    out.add(posixpath.normpath(argv[argv.index(flag) + 1]))
    return out


def _bundle_path_problem(bundle: Path, rel: str, generated: set[str], what: str, where: str) -> Problem | None:
    """A bundle-relative path that must exist in the bundle or be made by one of its scripts."""
    norm = posixpath.normpath(rel)
    if norm.startswith("../") or norm == ".." or norm.startswith("/"):
        return Problem(where, f"{what} {rel} is outside the bundle")
    if (bundle / norm).exists() or norm in generated:
        return None
    return Problem(where, f"{what} {rel} is neither in the bundle nor made by its scripts")


def _looks_like_bundle_path(word: str) -> bool:
    head = word.split("/", 1)[0]
    return "/" in word and head in BUNDLE_TOP + GENERATED_TOP


# ---- README ---------------------------------------------------------------------------------------------------------
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def check_readme(bundle: Path) -> list[Problem]:
    """Every bundle path and script README.md names in a code span exists (a folder named with a trailing ``/``)."""
    path = bundle / "README.md"
    if not path.is_file():
        return [Problem("README.md", "missing")]
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)  # code blocks hold placeholders
    problems: list[Problem] = []
    seen: set[str] = set()
    for match in _CODE_SPAN.finditer(text):
        for word in match.group(2).replace(",", " ").split():
            word = word.strip()
            named = word.rstrip("/")
            is_script = re.fullmatch(r"[\w.-]+\.(sh|yaml|patch)", word) is not None  # a file at the top

            if not (is_script or word.rstrip("/") in BUNDLE_TOP or _looks_like_bundle_path(word)):
                continue
            if "=" in word or word.startswith(("/", "http")) or named in seen:
                continue
            seen.add(named)
            target = bundle / named
            if not target.exists():
                problems.append(Problem("README.md", f"names {word}, which the bundle does not hold"))
            elif word.endswith("/") and not target.is_dir():
                problems.append(Problem("README.md", f"names the folder {word}, which is not a folder"))
    return problems


# ---- containers -----------------------------------------------------------------------------------------------------
SERVERS = {"tensorrt-llm": ("trtllm-serve",), "vllm": ("vllm", "serve"), "llamacpp": ("llama-server",)}


def _containers(bundle: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, container facts) of every compose service and k8s container: image, program, args, working dir,
    mounts (container path -> bundle path)."""
    compose = bundle / "docker-compose.yaml"
    if compose.is_file():
        doc = yaml.safe_load(compose.read_text(encoding="utf-8")) or {}
        for name, svc in (doc.get("services") or {}).items():
            mounts = {}
            for vol in svc.get("volumes") or []:
                parts = str(vol).split(":")
                if len(parts) >= 2 and parts[0].startswith("./"):
                    mounts[parts[1]] = parts[0][2:]
            yield (
                f"docker-compose.yaml: services.{name}",
                {
                    "image": svc.get("image", ""),
                    "entrypoint": svc.get("entrypoint"),
                    "args": list(svc.get("command") or []),
                    "working_dir": svc.get("working_dir"),
                    "mounts": mounts,
                    "endpoint": name,
                },
            )
    deploy = bundle / "k8s" / "deployment.yaml"
    if deploy.is_file():
        for doc in yaml.safe_load_all(deploy.read_text(encoding="utf-8")):
            if not isinstance(doc, dict):
                continue
            spec = doc.get("spec", {}).get("template", {}).get("spec", {})
            claims = {v["name"] for v in spec.get("volumes", []) if "persistentVolumeClaim" in v}
            for c in spec.get("containers", []):
                mounts = {m["mountPath"]: "." for m in c.get("volumeMounts", []) if m.get("name") in claims}
                yield (
                    f"k8s/deployment.yaml: {doc.get('metadata', {}).get('name')}/{c.get('name')}",
                    {
                        "image": c.get("image", ""),
                        "entrypoint": c.get("command"),  # k8s command replaces the ENTRYPOINT
                        "args": list(c.get("args") or []),
                        "working_dir": c.get("workingDir"),
                        "mounts": mounts,
                        "endpoint": None,
                    },
                )


def _unescape(words: list[Any]) -> list[str]:
    return [str(w).replace("$$", "$") for w in words]


def container_argv(where: str, c: dict[str, Any]) -> tuple[list[str] | None, str, list[Problem]]:
    """The command a container runs (resolved against its image's ENTRYPOINT), its working directory, and problems:
    an unknown image, or a program that is not inside the image (not on its PATH, not an absolute file of it)."""
    facts = image_facts(str(c["image"]))
    if facts is None:
        return None, "/", [Problem(where, f"image {c['image']} is not in the pinned image table")]
    entry = _unescape(list(c["entrypoint"])) if c["entrypoint"] else list(facts.entrypoint)
    argv = entry + _unescape(c["args"])
    workdir = c["working_dir"] or facts.workdir
    program = argv[0] if argv else ""
    problems = []
    if "/" in program:
        if program not in facts.files:
            problems.append(Problem(where, f"{program} does not exist in {c['image']} ({facts.source})"))
    elif program not in facts.on_path:
        hint = f"the image's ENTRYPOINT is {list(facts.entrypoint)}: pass arguments only (k8s args:)"
        problems.append(Problem(where, f"{program!r} is not on the PATH of {c['image']}: executable not found", hint))
    return argv, workdir, problems


def _server_of(argv: list[str]) -> str | None:
    names = [posixpath.basename(w) for w in argv[:2]]
    for target, server in SERVERS.items():
        if names[: len(server)] == list(server):
            return target
    return None


def check_containers(bundle: Path, manifest: dict[str, Any], generated: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    endpoints = manifest.get("endpoints", {})
    for where, c in _containers(bundle):
        argv, workdir, found = container_argv(where, c)
        problems += found
        if argv is None:
            continue
        for source in c["mounts"].values():
            if source != "." and not (bundle / source).is_dir() and posixpath.normpath(source) not in GENERATED_TOP:
                problems.append(Problem(where, f"mounts ./{source}, which the bundle does not hold"))
        target = _server_of(argv)
        if target is None:
            problems.append(Problem(where, f"runs {argv[:2]}, not a server slmc emits"))
            continue
        ep = endpoints.get(c["endpoint"]) if c["endpoint"] else None
        if ep is not None and ep.get("target") != target:
            problems.append(Problem(where, f"runs the {target} server for a {ep.get('target')} endpoint"))
        table = {"tensorrt-llm": TRTLLM_SERVE_FLAGS, "vllm": VLLM_SERVE_FLAGS, "llamacpp": LLAMA_SERVER_FLAGS}[target]
        start = 2 if target == "vllm" else 1
        positionals, flags, found = parse_flags(argv, table, where, target, start)
        problems += found
        paths = [*positionals, *(v for values in flags.values() for v in values)]
        if target == "vllm":
            paths = [*positionals, *(item.split("=", 1)[-1] for item in flags.get("--lora-modules", []))]
        for word in paths:
            full = posixpath.normpath(posixpath.join(workdir, word))
            inside = next((m for m in c["mounts"] if full == m or full.startswith(m.rstrip("/") + "/")), None)
            if not (_looks_like_bundle_path(word) or (word.startswith(BUNDLE_MOUNT + "/"))):
                continue
            if inside is None:
                problems.append(
                    Problem(where, f"{word} resolves to {full} from the working directory {workdir}: not mounted")
                )
                continue
            rel = posixpath.normpath(posixpath.join(c["mounts"][inside], posixpath.relpath(full, inside)))
            bad = _bundle_path_problem(bundle, rel, generated, "path", where)
            if bad:
                problems.append(bad)
    return problems


# ---- TensorRT-LLM requests ------------------------------------------------------------------------------------------
def check_trtllm_requests(bundle: Path, manifest: dict[str, Any]) -> list[Problem]:
    """The body the runtime posts to trtllm-serve for every routed site: top-level keys the pinned
    ``ChatCompletionRequest`` accepts, a ``lora_request`` of ``LoRARequest`` keys whose ``lora_path`` resolves from
    the server's working directory (serve.sh runs from the bundle root; containers from /bundle) to the adapter
    folder, listed in the endpoint's lora_dir, its ``lora_int_id`` unique on the endpoint."""
    from slmc.runtime.backends import TensorRTLLMBackend
    from slmc.runtime.manifest import load_manifest
    from slmc.runtime.types import SLMRequest

    problems: list[Problem] = []
    loaded = load_manifest(bundle / MANIFEST)
    serve = (bundle / "trtllm" / "serve.sh").read_text(encoding="utf-8")
    if 'cd "$(dirname "$0")/.."' not in serve:
        problems.append(Problem("trtllm/serve.sh", "does not run from the bundle root: lora_path would not resolve"))
    commands = endpoint_commands(serve, "trtllm-serve")
    request = SLMRequest(
        messages=[{"role": "user", "content": "x"}],
        tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        tool_choice="auto",
        response_format={"type": "json_object"},
        max_tokens=8,
        stop=["\n"],
        logprobs=True,
    )
    ids: dict[str, dict[int, str]] = {}
    for site in loaded.sites.values():
        ep = loaded.endpoints.get(site.endpoint or "")
        if ep is None or ep.target != "tensorrt-llm":
            continue
        where = f"{MANIFEST}: sites.{site.id}"
        body = TensorRTLLMBackend(ep).body(request, site)
        unknown = sorted(set(body) - CHAT_COMPLETION_FIELDS)
        if unknown:
            problems.append(
                Problem(where, f"the runtime sends {unknown}, which ChatCompletionRequest ({TRTLLM_VERSION}) rejects")
            )
        lora = body.get("lora_request")
        if site.adapter is None or site.adapter.kind == "classifier-head":
            continue
        if not isinstance(lora, dict):
            problems.append(Problem(where, "no lora_request: the adapter would not be applied"))
            continue
        extra = sorted(set(lora) - LORA_REQUEST_FIELDS)
        if extra:
            problems.append(Problem(f"{where}.adapter.lora_request", f"{extra} are not LoRARequest fields"))
        lora_path = str(lora.get("lora_path", ""))
        if posixpath.isabs(lora_path) or not (bundle / lora_path / "adapter_config.json").is_file():
            problems.append(
                Problem(
                    f"{where}.adapter.lora_request.lora_path",
                    f"{lora_path!r} does not resolve from the server's working directory (the bundle root) "
                    "to a peft adapter",
                )
            )
        seen = ids.setdefault(ep.name, {})
        int_id = lora.get("lora_int_id")
        if isinstance(int_id, int) and seen.setdefault(int_id, lora_path) != lora_path:
            problems.append(Problem(f"{where}.adapter.lora_request.lora_int_id", f"{int_id} names two adapters"))
        argv = commands.get(ep.name)
        if argv is None:
            problems.append(Problem("trtllm/serve.sh", f"serves no endpoint {ep.name}"))
            continue
        options = argv[argv.index("--extra_llm_api_options") + 1] if "--extra_llm_api_options" in argv else None
        if options is None:
            off = Problem("trtllm/serve.sh", f"{ep.name} serves adapters without --extra_llm_api_options (LoRA off)")
            if off not in problems:
                problems.append(off)
            continue
        try:
            cfg = yaml.safe_load((bundle / options).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # reported by validate_trtllm_dir
        lora_dirs = [posixpath.normpath(d) for d in (cfg.get("lora_config") or {}).get("lora_dir", [])]
        if posixpath.normpath(lora_path) not in lora_dirs:
            problems.append(Problem(options, f"lora_config.lora_dir does not list {lora_path} (site {site.id})"))
    for where, c in _containers(bundle):
        argv, workdir, _found = container_argv(where, c)
        if argv is None or _server_of(argv) != "tensorrt-llm":
            continue
        for site in loaded.sites.values():
            ep = loaded.endpoints.get(site.endpoint or "")
            if ep is None or ep.target != "tensorrt-llm" or site.adapter is None or not site.adapter.lora_request:
                continue
            if c["endpoint"] is not None and c["endpoint"] != ep.name:
                continue
            full = posixpath.normpath(posixpath.join(workdir, str(site.adapter.lora_request.get("lora_path", ""))))
            if not any(full == m or full.startswith(m.rstrip("/") + "/") for m in c["mounts"]):
                problems.append(
                    Problem(where, f"lora_path of {site.id} resolves to {full} from {workdir}: not mounted there")
                )
    return problems


# ---- vLLM -----------------------------------------------------------------------------------------------------------
def check_vllm(bundle: Path, manifest: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    where = "vllm/serve.sh"
    commands = endpoint_commands((bundle / "vllm" / "serve.sh").read_text(encoding="utf-8"), "vllm")
    served: dict[str, set[str]] = {}
    for endpoint, argv in commands.items():
        at = f"{where} ({endpoint})"
        if argv[1:2] != ["serve"]:
            problems.append(Problem(at, "runs vllm without the serve subcommand"))
            continue
        _pos, flags, found = parse_flags(argv, VLLM_SERVE_FLAGS, at, f"vllm serve {VLLM_VERSION}", start=2)
        problems += found
        for flag, choices in (("--runner", VLLM_RUNNERS), ("--convert", VLLM_CONVERTS)):
            for value in flags.get(flag, []):
                if value not in choices:
                    problems.append(Problem(at, f"{flag} {value} is not one of {', '.join(choices)}"))
        items = flags.get("--lora-modules", [])
        if items and "--enable-lora" not in flags:
            problems.append(Problem(at, "--lora-modules without --enable-lora"))
        names: list[str] = []
        ranks: list[tuple[str, int]] = []
        for item in items:
            name, sep, path = item.partition("=")
            if not sep or not name:
                problems.append(Problem(at, f"--lora-modules item {item!r} is not name=path"))
                continue
            if "=" in path or "," in path:
                problems.append(Problem(at, f"adapter path {path!r} holds '=' or ',' (vLLM splits on them)"))
            if name in names:
                problems.append(Problem(at, f"adapter name {name!r} is given twice"))
            names.append(name)
            cfg_path = bundle / path / "adapter_config.json"
            if not cfg_path.is_file():
                problems.append(Problem(at, f"adapter {name}: {path} holds no adapter_config.json"))
                continue
            try:
                r = json.loads(cfg_path.read_text(encoding="utf-8")).get("r")
            except (OSError, ValueError):
                r = None
            if isinstance(r, int):
                ranks.append((name, r))
        served[endpoint] = set(names)
        values = {k: flags.get(k, [None])[0] for k in ("--max-lora-rank", "--max-loras", "--max-cpu-loras")}
        ints: dict[str, int] = {}
        for key, value in values.items():
            if value is None:
                continue
            try:
                ints[key] = int(value)
            except ValueError:
                problems.append(Problem(at, f"{key} {value!r} is not an integer"))
        rank = ints.get("--max-lora-rank")
        if rank is not None and rank not in VLLM_LORA_RANKS:
            problems.append(Problem(at, f"--max-lora-rank {rank} is not one of {list(VLLM_LORA_RANKS)}"))
        for name, r in ranks:
            if r > (rank if rank is not None else 16):  # vLLM's default max_lora_rank
                problems.append(Problem(at, f"adapter {name} has r={r} > --max-lora-rank {rank}"))
        if "--max-loras" in ints and ints.get("--max-cpu-loras", ints["--max-loras"]) < ints["--max-loras"]:
            problems.append(
                Problem(at, f"--max-cpu-loras {ints['--max-cpu-loras']} < --max-loras {ints['--max-loras']}")
            )
    for site_id, site in manifest["sites"].items():
        ep = manifest["endpoints"].get(site.get("endpoint", ""), {})
        adapter = site.get("adapter")
        if ep.get("target") != "vllm" or not adapter or adapter.get("kind") == "classifier-head":
            continue
        if adapter["name"] not in served.get(site["endpoint"], set()):
            problems.append(
                Problem(f"{MANIFEST}: sites.{site_id}", f"adapter {adapter['name']} is not served (--lora-modules)")
            )
    return problems


# ---- llama.cpp ------------------------------------------------------------------------------------------------------
def check_llamacpp(bundle: Path, manifest: dict[str, Any], generated: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    convert = bundle / "llamacpp" / "convert.sh"
    made_from: dict[str, str] = {}  # gguf file -> adapter folder it is converted from
    if not convert.is_file():
        problems.append(Problem("llamacpp/convert.sh", "missing"))
    else:
        variables: dict[str, str] = {}
        downloads: set[str] = set()
        for _label, argv in script_commands(convert.read_text(encoding="utf-8")):
            if len(argv) == 1 and re.fullmatch(r"\w+=.*", argv[0]):
                key, _, value = argv[0].partition("=")
                variables[key] = value
                continue
            if any("snapshot_download" in w for w in argv):  # python3 -c '...' HUB_ID DEST
                dest = argv[-1]
                downloads.add(variables.get(dest.lstrip("$").strip("{}"), dest) if dest.startswith("$") else dest)
            for script, outtypes in (
                ("convert_lora_to_gguf.py", LLAMACPP_LORA_OUTTYPES),
                ("convert_hf_to_gguf.py", LLAMACPP_MODEL_OUTTYPES),
            ):
                found = _program(argv, script)
                if found is None:
                    continue
                at = f"llamacpp/convert.sh ({script})"
                outtype = found[found.index("--outtype") + 1] if "--outtype" in found[:-1] else "f32"
                if outtype not in outtypes:
                    problems.append(
                        Problem(at, f"--outtype {outtype} is not accepted ({LLAMACPP_BUILD}: {', '.join(outtypes)})")
                    )
                base = found[found.index("--base") + 1] if "--base" in found[:-1] else None
                if script == "convert_hf_to_gguf.py":
                    base = found[1] if len(found) > 1 else None
                if base is None:
                    problems.append(Problem(at, "no --base model folder"))
                    continue
                key = base.lstrip("$").strip("{}")
                resolved = variables.get(key, base) if base.startswith("$") else base
                downloaded = resolved in downloads
                if not (bundle / resolved / "config.json").is_file() and not downloaded:
                    problems.append(
                        Problem(at, f"--base {resolved} is not a folder with config.json (nor downloaded there first)")
                    )
                if script == "convert_lora_to_gguf.py":
                    adapter = found[1] if len(found) > 1 and not found[1].startswith("-") else ""
                    if not (bundle / adapter / "adapter_config.json").is_file():
                        problems.append(Problem(at, f"adapter {adapter!r} holds no adapter_config.json"))
                    if "--outfile" in found[:-1]:
                        made_from[posixpath.normpath(found[found.index("--outfile") + 1])] = posixpath.normpath(adapter)
    commands = endpoint_commands((bundle / "llamacpp" / "serve.sh").read_text(encoding="utf-8"), "llama-server")
    order: dict[str, list[str]] = {}  # endpoint -> adapter folders in --lora order
    for endpoint, argv in commands.items():
        at = f"llamacpp/serve.sh ({endpoint})"
        _pos, flags, found = parse_flags(argv, LLAMA_SERVER_FLAGS, at, f"llama-server {LLAMACPP_BUILD}")
        problems += found
        for flag in ("-m", "--model", "--lora"):
            for path in flags.get(flag, []):
                bad = _bundle_path_problem(bundle, path, generated, flag, at)
                if bad:
                    problems.append(bad)
        order[endpoint] = [made_from.get(posixpath.normpath(p), "") for p in flags.get("--lora", [])]
    for site_id, site in manifest["sites"].items():
        ep = manifest["endpoints"].get(site.get("endpoint", ""), {})
        adapter = site.get("adapter")
        if ep.get("target") != "llamacpp" or not adapter:
            continue
        folders = order.get(site["endpoint"], [])
        path = posixpath.normpath(adapter["path"])
        expected = folders.index(path) if path in folders else None
        if expected is None:
            problems.append(Problem(f"{MANIFEST}: sites.{site_id}", f"adapter {path} is loaded by no --lora"))
        elif adapter.get("int_id") != expected:
            problems.append(
                Problem(
                    f"{MANIFEST}: sites.{site_id}.adapter.int_id",
                    f"{adapter.get('int_id')} but {path} is --lora number {expected} (llama-server ids follow flag order)",
                )
            )
    return problems


# ---- classifier heads -----------------------------------------------------------------------------------------------
def check_heads(bundle: Path, manifest: dict[str, Any]) -> list[Problem]:
    """A classifier head is served in-process (hf: an slmc head or a sequence-classification model), or, when it is
    a ``*ForSequenceClassification`` model of the pinned vLLM, by a ``vllm serve <its folder> --runner pooling`` line
    whose model is the endpoint's ``model``; the runtime's ``/classify`` body holds only ``ClassificationRequest``
    fields. No other server classifies (they serve chat completions only)."""
    problems: list[Problem] = []
    pooling: dict[str, list[str]] | None = None
    for site_id, site in manifest["sites"].items():
        adapter = site.get("adapter") or {}
        if adapter.get("kind") != "classifier-head":
            continue
        ep = manifest["endpoints"].get(site.get("endpoint", ""), {})
        where = f"{MANIFEST}: sites.{site_id}"
        folder = bundle / adapter["path"]
        target = ep.get("target")
        if target == "vllm":
            if pooling is None:
                pooling = _pooling_commands(bundle)
            problems += _check_vllm_classifier(bundle, manifest, site_id, site, pooling)
            continue
        if target != "hf":
            problems.append(Problem(where, f"a classifier head routed to a {target} server (chat only)"))
        slmc_head = (folder / "head.json").is_file() and (folder / "head.safetensors").is_file()
        if not slmc_head and not (folder / "config.json").is_file():
            problems.append(Problem(where, f"{adapter['path']} holds neither head.json + head.safetensors nor a model"))
    return problems


def _pooling_commands(bundle: Path) -> dict[str, list[str]]:
    serve = bundle / "vllm" / "serve.sh"
    if not serve.is_file():
        return {}
    return endpoint_commands(serve.read_text(encoding="utf-8"), "vllm")


def _check_vllm_classifier(
    bundle: Path, manifest: dict[str, Any], site_id: str, site: dict[str, Any], commands: dict[str, list[str]]
) -> list[Problem]:
    from slmc.runtime.backends import VLLMBackend
    from slmc.runtime.manifest import load_manifest
    from slmc.runtime.types import SLMRequest
    from slmc.targets.base import sequence_classifier
    from slmc.targets.vllm.target import classifier_problems

    where = f"{MANIFEST}: sites.{site_id}"
    adapter = site["adapter"]
    name = site["endpoint"]
    path = posixpath.normpath(adapter["path"])
    problems = [Problem(where, f"{adapter['path']}: {why}") for why in classifier_problems(bundle / path)]
    argv = commands.get(name)
    if argv is None:
        return [*problems, Problem("vllm/serve.sh", f"serves no endpoint {name} (classifier {adapter['name']})")]
    at = f"vllm/serve.sh ({name})"
    positionals, flags, _found = parse_flags(argv, VLLM_SERVE_FLAGS, at, f"vllm serve {VLLM_VERSION}", start=2)
    if flags.get("--runner", ["auto"])[0] != "pooling":
        problems.append(Problem(at, f"serves the classifier {adapter['name']} without --runner pooling (chat only)"))
    convert = flags.get("--convert", ["auto"])[0]
    arch = sequence_classifier(bundle / path)
    if convert not in ("classify", "auto") or (convert == "auto" and arch is None):
        problems.append(Problem(at, f"--convert {convert}: the classifier needs --convert classify"))
    model = posixpath.normpath(positionals[0]) if positionals else ""
    if model != path:
        problems.append(Problem(at, f"serves {model or 'no model'}, not the classifier {path}"))
    if manifest["endpoints"][name].get("model") != (positionals[0] if positionals else None):
        problems.append(
            Problem(f"{MANIFEST}: endpoints.{name}.model", "is not the model path the server answers to (vLLM's name)")
        )
    loaded = load_manifest(bundle / MANIFEST)
    body = VLLMBackend(loaded.endpoints[name]).classify_body(
        SLMRequest(messages=[{"role": "user", "content": "x"}]), loaded.sites[site_id]
    )
    unknown = sorted(set(body) - VLLM_CLASSIFY_FIELDS)
    if unknown:
        problems.append(Problem(where, f"the runtime sends {unknown}, which vLLM {VLLM_VERSION} /classify ignores"))
    return problems
