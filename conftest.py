"""Test-session settings shared by tests/ and examples/.

The tests never reach a model hub (models are built from configs or shipped in wheels); offline mode makes a
missing local model fail at once instead of after network retries.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
