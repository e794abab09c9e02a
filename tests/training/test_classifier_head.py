"""The classifier head on disk: safetensors + JSON, the same probabilities as the scikit-learn model, no pickle read."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from slmc.errors import SlmcError

np = pytest.importorskip("numpy")
pytest.importorskip("sklearn")
pytest.importorskip("safetensors")

from sklearn.linear_model import LogisticRegression  # noqa: E402

from slmc.training.classifier import ClassifierHead, save_head, train_classifier  # noqa: E402
from slmc.training.embed import Embedder, minilm_available  # noqa: E402

PHRASES = {
    "billing": ["my invoice is wrong", "refund the charge", "payment failed twice", "billing address change"],
    "tech": ["wifi keeps dropping", "the app crashes", "router error light", "cannot log in, error 500"],
    "other": ["hello there", "thanks a lot", "what are your hours", "who is the ceo"],
}
UNSEEN = ["the app shows an error", "please refund my payment", "thanks, hello", "", "zzz qqq", "invoice wifi"]


def _rows(labels: list[str]) -> list[dict[str, Any]]:
    return [
        {"messages": [{"role": "user", "content": f"{prefix}{text}"}, {"role": "assistant", "content": label}]}
        for label in labels
        for text in PHRASES[label]
        for prefix in ("", "hi, ", "well ")
    ]


def _ask(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": ""}]}


def _texts(rows: list[dict[str, Any]]) -> list[str]:
    return [r["messages"][0]["content"] for r in rows]


def _fit(rows: list[dict[str, Any]], embedder: str) -> tuple[Embedder, LogisticRegression]:
    encoder = Embedder(embedder).fit(_texts(rows))
    labels = [r["messages"][1]["content"] for r in rows]
    return encoder, LogisticRegression(C=10.0, max_iter=2000, random_state=0).fit(encoder.encode(_texts(rows)), labels)


@pytest.mark.parametrize(
    "labels,embedder",
    [
        (["billing", "tech"], "tfidf"),  # binary: sigmoid of one row, as predict_proba does
        (["billing", "tech", "other"], "tfidf"),  # multinomial: softmax
        pytest.param(
            ["billing", "tech", "other"],
            "minilm",
            marks=[pytest.mark.slow, pytest.mark.skipif(not minilm_available(), reason="MiniLM not installed")],
        ),
    ],
)
def test_saved_head_gives_the_sklearn_probabilities(tmp_path, labels, embedder):
    rows = _rows(labels)
    encoder, model = _fit(rows, embedder)
    save_head(model, encoder, tmp_path, check=encoder.encode(_texts(rows)))
    loaded = ClassifierHead(tmp_path)
    queries = UNSEEN + _texts(rows)
    expected = model.predict_proba(encoder.encode(queries))
    got = loaded.predict_proba(queries)
    assert loaded.classes == [str(c) for c in model.classes_]
    assert got.shape == expected.shape == (len(queries), len(labels))
    np.testing.assert_array_equal(got, expected)  # bit for bit: the same operations in the same order
    assert [p.text for p in loaded.predict([_ask(q) for q in queries])] == list(model.predict(encoder.encode(queries)))
    config = json.loads((tmp_path / "head.json").read_text())
    assert config["link"] == ("logistic" if len(labels) == 2 else "softmax")
    assert config["embedder"]["name"] == encoder.name
    _json_or_safetensors_only(tmp_path)


def _json_or_safetensors_only(folder: Any) -> None:
    from safetensors.numpy import load_file

    for path in folder.iterdir():
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        else:
            assert path.suffix == ".safetensors", path
            assert load_file(str(path))


def test_train_classifier_writes_safetensors_and_json_only(tmp_path):
    train_classifier(_rows(["billing", "tech", "other"]), tmp_path, embedder="tfidf")
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"head.json", "head.safetensors", "tfidf.json", "tfidf.safetensors", "slmc-train.json"}
    _json_or_safetensors_only(tmp_path)
    assert ClassifierHead(tmp_path).predict([_ask("wifi keeps dropping")])[0].text == "tech"


def test_a_pickled_head_is_refused_not_loaded(tmp_path):
    marker = tmp_path / "PWNED"

    class Crafted:
        def __reduce__(self) -> tuple[Any, ...]:
            return (open, (str(marker), "w"))

    (tmp_path / "classifier.joblib").write_bytes(pickle.dumps({"embedder": Crafted(), "head": None}))
    with pytest.raises(SlmcError, match="pickled classifier head") as info:
        ClassifierHead(tmp_path)
    assert "re-run `slmc compile`" in (info.value.hint or "")
    assert not marker.exists()

    # `slmc eval` loads heads through the same class
    from slmc.training.evaluation import predict

    with pytest.raises(SlmcError, match="pickled classifier head"):
        predict(tmp_path, {"test": [_ask("x")]}, method="classifier-head",
                device="cpu", batch_size=1, max_new_tokens=0, progress=False)  # fmt: skip
    assert not marker.exists()


def test_broken_head_files_are_clear_errors(tmp_path):
    train_classifier(_rows(["billing", "tech", "other"]), tmp_path, embedder="tfidf")
    config = json.loads((tmp_path / "head.json").read_text())
    (tmp_path / "head.json").write_text(json.dumps({**config, "classes": ["a", "b"]}))
    with pytest.raises(SlmcError, match="broken classifier head"):
        ClassifierHead(tmp_path)
    (tmp_path / "head.json").write_text(json.dumps(config))
    tfidf = json.loads((tmp_path / "tfidf.json").read_text())
    tfidf["parts"][0]["params"]["preprocessor"] = "os.system"
    (tmp_path / "tfidf.json").write_text(json.dumps(tfidf))
    with pytest.raises(SlmcError, match="broken TF-IDF embedder"):
        ClassifierHead(tmp_path)
    (tmp_path / "head.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(SlmcError, match="broken classifier head"):
        ClassifierHead(tmp_path)


def test_a_finished_run_with_an_old_pickled_head_is_trained_again(tmp_path):
    from slmc.training.trainer import _finished

    (tmp_path / "slmc-train.json").write_text(json.dumps({"method": "classifier-head", "run_key": "k", "seconds": 1}))
    (tmp_path / "classifier.joblib").write_bytes(b"\x80\x04N.")
    assert _finished(tmp_path, "k") is None  # an old cache entry is not reused (it could never be served)
    train_classifier(_rows(["billing", "tech"]), tmp_path, embedder="tfidf")
    assert not (tmp_path / "classifier.joblib").exists()
    info = json.loads((tmp_path / "slmc-train.json").read_text())
    (tmp_path / "slmc-train.json").write_text(json.dumps({**info, "run_key": "k"}))
    assert _finished(tmp_path, "k") is not None
