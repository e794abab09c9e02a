"""slmc: compile LLM agents into heterogeneous agents served partly by fine-tuned small language models.

Import-light on purpose: `import slmc` pulls no heavy ML library. `slmc.trace(...)` records LLM calls.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def trace(*args: Any, **kwargs: Any) -> Any:
    """Record every LLM call made inside the block: ``with slmc.trace("traces.jsonl"): run_agent()``."""
    from slmc.traces.capture import trace as _trace

    return _trace(*args, **kwargs)


__all__ = ["__version__", "trace"]
