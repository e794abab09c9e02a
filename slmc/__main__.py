"""``python -m slmc`` runs the CLI (same as the ``slmc`` console script)."""

from slmc.compiler.cli import main

raise SystemExit(main())
