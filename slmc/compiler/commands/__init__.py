"""The ``slmc`` subcommands (one module each) and the options several of them share."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slmc.compiler.settings import Settings

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
        default=None,
        metavar="LICENCE",
        help=LICENCE_HELP,
    )


def run_settings(paths: Sequence[Path], cli: dict[str, Any], config_file: Path | None = None) -> Settings:
    """The run's settings: the command line (``None``: not given) over ``[tool.slmc]`` of the closest pyproject.toml
    to ``paths`` (or ``config_file``) over the defaults. Mistakes in the table are errors naming file and line."""
    from slmc.compiler.config import load_config
    from slmc.compiler.settings import Settings

    config = load_config([Path(p).absolute() for p in paths], config_file)
    return Settings.layered(cli, config.options)
