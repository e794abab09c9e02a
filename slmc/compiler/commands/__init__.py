"""The ``slmc`` subcommands (one module each) and the options several of them share."""

from __future__ import annotations

import argparse

LICENCE_HELP = (
    "licences the SLM may have: any (default), permissive, or catalog licence ids, comma-separated "
    "(e.g. MIT,Apache-2.0); --license is the same option"
)


def licence_option(text: str) -> str:
    """argparse ``type`` of ``--licence``: ``slmc.analysis.catalog.parse_licence``, its error as a usage error."""
    from slmc.analysis.catalog import parse_licence
    from slmc.errors import SlmcError

    try:
        return parse_licence(text)
    except SlmcError as exc:
        raise argparse.ArgumentTypeError(f"{exc.message} ({exc.hint})") from None


def add_licence_argument(parser: argparse.ArgumentParser) -> None:
    """``--licence`` / ``--license``: one meaning on every command that picks SLMs (analyze, compile)."""
    parser.add_argument(
        "--licence",
        "--license",
        dest="licence",
        type=licence_option,
        default="any",
        metavar="LICENCE",
        help=LICENCE_HELP,
    )
