"""Shared helpers of the analysis passes (S3–S4): prompt variable parts, answer shapes, embeddings, contracts,
the SLM catalog, the LLM price table and the savings model. Heavy imports (numpy, scikit-learn, torch) stay inside
the modules that need them; importing this package is light.
"""

from __future__ import annotations
