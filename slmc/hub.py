"""Is the Hugging Face Hub reachable? (stdlib only; asked once per process)

Without a network, ``from_pretrained("org/model")`` retries for tens of seconds before failing; with
``local_files_only=True`` it answers at once from the local cache. Loaders ask ``hub_kwargs(source)``.
"""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

_TRUE = ("1", "true", "yes", "on")


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in _TRUE or os.environ.get("TRANSFORMERS_OFFLINE", "") in _TRUE:
        return False
    url = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme != "http" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return False
    return True


# transformers >= 5 "kernelizes" a model loaded on a GPU by default whenever the `kernels` package is installed (trl
# needs it): the first model.train() / model.eval() on CUDA then fetches compiled layers from the Hub and, offline,
# fails ("Version 2 of 'kernels-community/rotary' is not available in the local cache"; seen on an H200 with
# HF_HUB_OFFLINE=1). slmc trains and serves offline-first, so every model it loads is loaded with hub kernels off.
NO_HUB_KERNELS: dict[str, Any] = {"use_kernels": False}


def hub_kwargs(source: str | Path) -> dict[str, Any]:
    """``{"local_files_only": True}`` for a hub id when the hub cannot be reached, else nothing."""
    if Path(source).exists() or hub_reachable():
        return {}
    return {"local_files_only": True}
