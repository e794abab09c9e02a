"""The SLM catalog (``slmc/data/catalog.yaml``) and the size / memory arithmetic select-slm uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from slmc.errors import SlmcError

CATALOG_PATH = Path(__file__).resolve().parents[1] / "data" / "catalog.yaml"
BYTES_PER_PARAM = {"bf16": 2.0, "int8": 1.0, "int4": 0.55}  # int4 incl. scales/zeros
SERVING_OVERHEAD = 1.2  # KV cache, activations and runtime on top of the weights ...
SERVING_FIXED_GB = 0.5  # ... plus a fixed CUDA / runtime context
TARGETS = ("tensorrt-llm", "vllm", "llamacpp", "hf")
TAGS = ("tool-calling", "json", "multilingual", "reasoning", "code")


@dataclass(frozen=True)
class CatalogModel:
    name: str
    hub: str
    params_b: float
    context: int
    licence: str
    permissive: bool
    tags: tuple[str, ...]
    arch: str
    lora_targets: tuple[str, ...]
    serving: tuple[str, ...]
    memory: dict[str, float] | None = None  # listed serving memory per precision, GB

    def memory_gb(self, precision: str = "bf16") -> float:
        """Serving memory at ``precision``: listed, else weights x bytes x overhead + a fixed runtime share."""
        if self.memory and precision in self.memory:
            return float(self.memory[precision])
        return round(self.params_b * BYTES_PER_PARAM[precision] * SERVING_OVERHEAD + SERVING_FIXED_GB, 2)

    def lora_train_memory_gb(self, precision: str = "bf16") -> float:
        """Rough LoRA fine-tuning memory: frozen weights + activations/optimiser state of the adapter (x1.6)."""
        return round(self.params_b * BYTES_PER_PARAM[precision] * 1.6 + 1.0, 2)


def parse_params(text: str | float | int | None) -> float | None:
    """``"3B"`` -> 3.0, ``"500M"`` -> 0.5, ``1.5`` -> 1.5 (billions); None stays None."""
    if text is None or text == "":
        return None
    if isinstance(text, int | float):
        return float(text)
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kKmMbBtT]?)\s*", str(text))
    if not m:
        raise SlmcError(f"cannot read the parameter count {text!r}", hint="write it like 3B, 1.5B or 500M")
    value = float(m.group(1))
    unit = m.group(2).upper()
    return value * {"": 1.0, "B": 1.0, "M": 1e-3, "K": 1e-6, "T": 1e3}[unit]


LICENCE_KEYWORDS = ("any", "permissive")


def parse_licence(value: object, path: Path | None = None) -> str:
    """The one meaning of ``--licence`` / ``--license`` (analyze, compile) and ``[tool.slmc] licence``: ``any``
    (default), ``permissive`` (models the catalog marks permissive), or licence ids of the catalog, comma-separated
    or a TOML list (``MIT,Apache-2.0``: any of them), case-insensitive. Returns ``any``, ``permissive`` or the ids
    as the catalog spells them, comma-joined. An unknown id fails here, before any work, listing the known ones."""
    items = value if isinstance(value, list | tuple) else str(value if value is not None else "any").split(",")
    names = [str(item).strip() for item in items if str(item).strip()]
    if not names:
        return "any"
    if len(names) == 1 and names[0].lower() in LICENCE_KEYWORDS:
        return names[0].lower()
    known = {m.licence.lower(): m.licence for m in load_catalog(path)}
    unknown = [n for n in names if n.lower() not in known]
    if unknown or any(n.lower() in LICENCE_KEYWORDS for n in names):
        bad = unknown[0] if unknown else next(n for n in names if n.lower() in LICENCE_KEYWORDS)
        raise SlmcError(
            f"unknown licence {bad!r}",
            hint=f"use any, permissive, or licence ids of the catalog (comma-separated): {', '.join(sorted(known.values()))}",
        )
    return ",".join(dict.fromkeys(known[n.lower()] for n in names))


@cache
def _load(path: str) -> tuple[tuple[CatalogModel, ...], dict[str, Any]]:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise SlmcError(f"cannot read the SLM catalog: {exc}", path=path) from None
    models = []
    for i, raw in enumerate(data.get("models") or []):
        try:
            models.append(
                CatalogModel(
                    name=raw["name"],
                    hub=raw["hub"],
                    params_b=float(raw["params_b"]),
                    context=int(raw["context"]),
                    licence=str(raw["licence"]),
                    permissive=bool(raw["permissive"]),
                    tags=tuple(raw.get("tags", ())),
                    arch=raw["arch"],
                    lora_targets=tuple(raw.get("lora_targets", ())),
                    serving=tuple(raw.get("serving", ())),
                    memory=raw.get("memory_gb"),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SlmcError(f"catalog entry {i + 1} is malformed ({exc})", path=path, hint="see the header") from None
    return tuple(sorted(models, key=lambda m: (m.params_b, m.name))), data.get("classifier") or {}


def load_catalog(path: Path | None = None) -> list[CatalogModel]:
    return list(_load(str(path or CATALOG_PATH))[0])


def classifier_entry(path: Path | None = None) -> dict[str, Any]:
    return dict(_load(str(path or CATALOG_PATH))[1])


def find_model(name: str, path: Path | None = None) -> CatalogModel | None:
    """A catalog model by name or hub id (case-insensitive)."""
    key = name.lower()
    return next((m for m in load_catalog(path) if key in (m.name.lower(), m.hub.lower())), None)
