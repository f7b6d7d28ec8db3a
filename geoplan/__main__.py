"""``python -m geoplan`` and the ``geoplan`` console script.

The ``try`` is the very first statement and covers everything this module does, the import of
the command line (typer, rich, the command modules) and the command itself: Ctrl-C at any
moment after the interpreter reached this module exits with 130 and the usual message instead
of a traceback. Before it, only the interpreter's own start and :mod:`geoplan` itself run, and
``geoplan/__init__.py`` imports nothing. The interpreter's start (before any geoplan code runs)
cannot be covered by geoplan.
"""

try:  # first statement: no import or definition before it
    import sys
    from typing import NoReturn

    __all__ = ["INTERRUPTED"]

    #: What the command line prints on Ctrl-C (exit code 130).
    INTERRUPTED = "interrupted: outputs already written are left as they were"

    def _interrupted() -> NoReturn:
        sys.stderr.write(INTERRUPTED + "\n")
        sys.exit(130)

    def _entry() -> None:
        """Run the command line on ``sys.argv``; exit with its code."""
        try:
            from geoplan.cli import main

            code = main()
        except KeyboardInterrupt:
            _interrupted()
        sys.exit(code)

    if __name__ == "__main__":
        _entry()
except KeyboardInterrupt:  # Ctrl-C while this module itself ran (INTERRUPTED may not exist yet)
    import sys

    sys.stderr.write("interrupted: outputs already written are left as they were\n")
    sys.exit(130)
