"""A bundle is data, not code: the runtime loads no pickle and no model from outside the bundle, and says so.

Issue 11 item 3: a manifest naming a crafted ``classifier.joblib`` (or an absolute path to one) used to run it on the
first call and fall back silently.
"""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

import slmc.runtime as runtime
from slmc.runtime.manifest import load_manifest

from .servers import LABELS, SITE, messages, write_manifest


class _Crafted:
    """Unpickling this creates ``marker`` (``open(marker, "w")``): what any code in a pickle could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


def _crafted_head(folder: Path, marker: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "classifier.joblib").write_bytes(pickle.dumps({"embedder": _Crafted(marker), "head": None}))
    return folder


def _llm(**kwargs: Any) -> str:
    return "from the LLM"


@pytest.fixture(autouse=True)
def _no_outside_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLMC_ALLOW_OUTSIDE_PATHS", raising=False)


@pytest.mark.parametrize("where", ["inside", "absolute"])
def test_a_crafted_pickle_head_is_never_loaded(tmp_path, where):
    bundle, marker = tmp_path / "bundle", tmp_path / "PWNED"
    bundle.mkdir()
    if where == "inside":  # the bundle's own adapter folder holds the pickle
        head, named = _crafted_head(bundle / "models" / "mood", marker), "models/mood"
    else:  # the manifest names a folder elsewhere on the machine by its absolute path
        head = _crafted_head(tmp_path / "elsewhere" / "mood", marker)
        named = str(head)
    path = write_manifest(
        bundle, None, target="hf", adapter={"name": "mood", "path": named, "int_id": 1, "kind": "classifier-head"}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runtime.configure(path, warm=True)  # models load at start-up (item 7): the refusal happens there
        answer = runtime.call(SITE, "openai.chat", _llm, model="m", messages=messages("my wifi is down"))
    assert not marker.exists()  # the pickle's code did not run (before: joblib.load ran it on the first call)
    assert answer == "from the LLM"
    assert runtime.stats()["fallbacks"] == {"no-backend": 1}
    said = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert any(named in text or str(head) in text for text in said), said  # a warning names the path
    assert any(("re-run `slmc compile`" if where == "inside" else "outside") in text for text in said), said


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlink"])
def test_adapter_paths_that_escape_the_bundle_are_refused_with_a_warning(tmp_path, monkeypatch, kind):
    bundle, outside = tmp_path / "bundle", tmp_path / "outside" / "intent"
    outside.mkdir(parents=True)
    bundle.mkdir()
    named = {"absolute": str(outside), "dotdot": "../outside/intent", "symlink": "adapters/intent"}[kind]
    if kind == "symlink":
        (bundle / "adapters").mkdir()
        (bundle / "adapters" / "intent").symlink_to(outside, target_is_directory=True)
    path = write_manifest(bundle, None, target="hf", adapter={"name": "intent", "path": named, "int_id": 1})
    with pytest.warns(RuntimeWarning, match=re.escape(f"sites.{SITE}.adapter.path {named!r} refused")):
        manifest = load_manifest(path)
    adapter = manifest.sites[SITE].adapter
    assert adapter is not None and adapter.path is None and "outside" in (adapter.refused or "")

    # the call falls back before anything is loaded (the base model does not even exist here)
    with pytest.warns(RuntimeWarning, match="refused"):
        runtime.configure(path, warm=True)  # models load at start-up (item 7): the refusal happens there
    assert runtime.call(SITE, "openai.chat", _llm, model="m", messages=messages("x")) == "from the LLM"
    assert runtime.stats()["fallbacks"] == {"no-backend": 1}

    # the person running the agent (never the manifest) may allow paths outside the bundle
    monkeypatch.setenv("SLMC_ALLOW_OUTSIDE_PATHS", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        allowed = load_manifest(path).sites[SITE].adapter
    assert allowed is not None and allowed.path == str(outside.resolve()) and allowed.refused is None


def test_a_manifest_cannot_allow_outside_paths_itself(tmp_path):
    path = write_manifest(
        tmp_path,
        None,
        target="hf",
        defaults={"allow_outside_paths": True},
        adapter={"name": "intent", "path": "/etc", "int_id": 1},
    )
    with pytest.warns(RuntimeWarning, match="'/etc' refused"):
        assert load_manifest(path).sites[SITE].adapter.path is None


def test_base_models_outside_the_bundle_are_refused_hub_ids_kept(tmp_path):
    path = write_manifest(tmp_path, None, target="hf")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("base_model: models/base-0", "base_model: /opt/models/base"), encoding="utf-8")
    with pytest.warns(RuntimeWarning, match=re.escape("endpoints.base-0.base_model '/opt/models/base' refused")):
        endpoint = load_manifest(path).endpoints["base-0"]
    assert endpoint.base_model is None and endpoint.refused and endpoint.model == "/opt/models/base"
    path.write_text(text.replace("base_model: models/base-0", "base_model: Qwen/Qwen2.5-0.5B"), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_manifest(path).endpoints["base-0"].base_model == "Qwen/Qwen2.5-0.5B"  # a hub id, not a path


def test_an_slmc_head_in_the_bundle_is_served_without_pickle(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("safetensors")
    from slmc.training.classifier import train_classifier

    words = {"billing": "invoice charge refund payment", "tech": "wifi router crash error", "other": "hello thanks"}
    rows = [
        {"messages": [{"role": "user", "content": f"{w} {i}"}, {"role": "assistant", "content": label}]}
        for label, text in words.items()
        for i, w in enumerate(text.split() * 4)
    ]
    train_classifier(rows, tmp_path / "models" / "intent", embedder="tfidf")
    assert not list((tmp_path / "models" / "intent").glob("*.joblib"))
    path = write_manifest(
        tmp_path,
        None,
        target="hf",
        adapter={"name": "intent", "path": "models/intent", "int_id": 1, "kind": "classifier-head"},
        threshold=0.0,
    )
    runtime.configure(path, warm=True)
    resp = runtime.call(SITE, "openai.chat", _llm, model="m", messages=messages("my wifi router shows an error"))
    assert resp.choices[0].message.content == "tech" and "tech" in LABELS
    assert runtime.stats()["served_by_slm"] == 1
