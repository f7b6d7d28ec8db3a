"""``python -m geoplan`` and the ``geoplan`` console script.

Kept tiny (no import beyond the standard library before the ``try``): Ctrl-C while the command
line itself imports (typer, rich, the command modules) exits with 130 and the usual message
instead of a traceback.
"""

from __future__ import annotations

import sys

__all__ = ["INTERRUPTED"]

#: What the command line prints on Ctrl-C (exit code 130).
INTERRUPTED = "interrupted: outputs already written are left as they were"


def _entry() -> None:
    """Run the command line on ``sys.argv``; exit with its code."""
    try:
        from geoplan.cli import main
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED + "\n")
        sys.exit(130)
    sys.exit(main())


if __name__ == "__main__":
    _entry()
