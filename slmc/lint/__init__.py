"""``slmc lint``: rules as data (``rules``), the checker (``checker``) and the lint API (``api``).

Import-light: no torch, transformers or scikit-learn.
"""

from __future__ import annotations

from slmc.lint.api import LintReport, lint_graph, lint_paths
from slmc.lint.rules import ALL_RULES, BY_CODE, RULES, Rule, find_rule, rule_doc

__all__ = ["ALL_RULES", "BY_CODE", "RULES", "LintReport", "Rule", "find_rule", "lint_graph", "lint_paths", "rule_doc"]
