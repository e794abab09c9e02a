"""Nothing in slmc loads a pickle (issue 11 item 3): no pickle-family import, no ``torch.load`` without
``weights_only=True``, no ``numpy.load(..., allow_pickle=True)``, no ``read_pickle`` — checked on the syntax tree of
every module, so a comment or a string that mentions them does not count."""

from __future__ import annotations

import ast
from pathlib import Path

import slmc

PICKLE_MODULES = {"pickle", "_pickle", "cPickle", "joblib", "cloudpickle", "dill", "shelve", "marshal", "pickletools"}
ROOT = Path(slmc.__file__).parent


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def pickle_loads(source: str, name: str = "<module>") -> list[str]:
    """Every place in ``source`` that could load a pickle, as ``name:line: what``."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            modules = []
        for module in modules:
            if module.split(".")[0] in PICKLE_MODULES:
                found.append(f"{name}:{node.lineno}: imports {module}")
        if isinstance(node, ast.Call):
            func = node.func
            attr = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            keywords = {k.arg: k.value for k in node.keywords}
            if attr == "load" and owner == "torch" and not _is_true(keywords.get("weights_only", ast.Constant(None))):
                found.append(f"{name}:{node.lineno}: torch.load without weights_only=True")
            if attr == "load" and owner in ("np", "numpy") and _is_true(keywords.get("allow_pickle", ast.Constant(0))):
                found.append(f"{name}:{node.lineno}: numpy.load with allow_pickle=True")
            if attr == "read_pickle":
                found.append(f"{name}:{node.lineno}: read_pickle")
    return found


def test_no_module_of_slmc_loads_a_pickle():
    modules = sorted(ROOT.rglob("*.py"))
    assert len(modules) > 50  # the whole package is scanned
    found = [hit for path in modules for hit in pickle_loads(path.read_text(encoding="utf-8"), str(path))]
    assert found == []


def test_the_scan_sees_what_it_must():
    bad = (
        "import joblib\nfrom pickle import loads\nimport torch\n"
        "torch.load(p)\ntorch.load(p, weights_only=False)\nimport numpy as np\nnp.load(p, allow_pickle=True)\n"
        "import pandas as pd\npd.read_pickle(p)\n"
    )
    assert [hit.split(": ", 1)[1] for hit in pickle_loads(bad)] == [
        "imports joblib",
        "imports pickle",
        "torch.load without weights_only=True",
        "torch.load without weights_only=True",
        "numpy.load with allow_pickle=True",
        "read_pickle",
    ]
    fine = "import torch\ntorch.load(p, weights_only=True)\nimport numpy as np\nnp.load(p)\n# import pickle\nx = 'joblib'\n"
    assert pickle_loads(fine) == []
