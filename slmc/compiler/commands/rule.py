"""``slmc rule SLM101`` prints a rule's documentation; ``slmc rule --list`` lists every rule."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from slmc.errors import SlmcError

if TYPE_CHECKING:
    from slmc.lint.rules import Rule


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", nargs="?", help="rule code (SLM101) or name (offloadable-call)")
    parser.add_argument("--list", action="store_true", help="list all rules")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    import difflib

    from slmc.lint.rules import ALL_RULES, BY_CODE, BY_NAME, find_rule, rule_doc

    if args.list:
        if args.output_format == "json":
            print(json.dumps([_rule_json(r) for r in ALL_RULES], indent=2))
            return 0
        width = max(len(r.name) for r in ALL_RULES)
        for r in ALL_RULES:
            print(f"{r.code:<7} {r.name:<{width}}  {r.severity:<7}  {r.summary}")
        return 0
    if not args.rule:
        raise SlmcError("name a rule, e.g. `slmc rule SLM101`", hint="`slmc rule --list` lists them")
    rule = find_rule(args.rule)
    if rule is None:
        near = difflib.get_close_matches(args.rule.upper(), list(BY_CODE), n=1) or difflib.get_close_matches(
            args.rule.lower(), list(BY_NAME), n=1
        )
        hint = f"did you mean {near[0]}? " if near else ""
        raise SlmcError(f"unknown rule {args.rule!r}", hint=hint + "`slmc rule --list` lists the rules")
    if args.output_format == "json":
        print(json.dumps(_rule_json(rule), indent=2))
    else:
        print(rule_doc(rule), end="")
    return 0


def _rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": str(rule.severity),
        "category": rule.category,
        "summary": rule.summary,
        "what": rule.what,
        "why": rule.why,
        "example": rule.example,
        "how_to_fix": rule.how_to_fix,
        "message": rule.message,
        "fix": rule.fix,
    }
