"""``python -m geoplan`` and the ``geoplan`` console script.

The ``try`` is the very first statement and covers everything this module does, the import of
the command line (typer, rich, the command modules) and the command itself: Ctrl-C at any
moment after the interpreter reached this module exits with 130 and the usual message instead
of a traceback. Before it, only the interpreter's own start and :mod:`geoplan` itself run, and
``geoplan/__init__.py`` imports nothing. The interpreter's start (before any geoplan code runs)
cannot be covered by geoplan.

The interpreter can swallow a ``KeyboardInterrupt`` raised while it runs one of its own
callbacks (importlib's module-lock weakref callback, a ``__del__``): it prints
"Exception ignored in ..." and goes on, so the command would run to its end as if Ctrl-C had
not been pressed. geoplan's SIGINT handler therefore also records the signal, such swallowed
interrupts are not printed, and a recorded one ends the command with 130 at the next check
(after the command line is imported, and when the command returns); an interrupt the
interpreter wrapped in another exception (``RuntimeError: Error calling __set_name__``) is
Ctrl-C too. A process started with SIGINT ignored (a background job of a script) keeps
ignoring it, as Python itself does.
"""

try:  # first statement: no import or definition before it
    import signal
    import sys
    from types import FrameType
    from typing import Any, NoReturn

    __all__ = ["INTERRUPTED"]

    _SIGNALLED: list[int] = []  # SIGINTs received, even those the interpreter swallowed

    def _on_sigint(signum: int, frame: FrameType | None) -> None:
        _SIGNALLED.append(signum)
        raise KeyboardInterrupt

    _default_unraisable = sys.unraisablehook

    def _unraisable(info: Any) -> None:
        if isinstance(info.exc_value, KeyboardInterrupt):  # recorded by _on_sigint
            return
        _default_unraisable(info)

    # a SIGINT the parent ignores (a background job of a script, ``nohup``) stays ignored, as
    # Python itself leaves it: no Ctrl-C reaches such a process from a terminal
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _on_sigint)
        sys.unraisablehook = _unraisable

    #: What the command line prints on Ctrl-C (exit code 130).
    INTERRUPTED = "interrupted: outputs already written are left as they were"

    def _interrupted() -> NoReturn:
        sys.stderr.write(INTERRUPTED + "\n")
        sys.exit(130)

    def _entry() -> None:
        """Run the command line on ``sys.argv``; exit with its code."""
        try:
            from geoplan.cli import main

            if _SIGNALLED:  # swallowed while the command line was imported
                _interrupted()
            code = main()
        except KeyboardInterrupt:
            _interrupted()
        except BaseException:  # an interrupt the interpreter wrapped (e.g. in the RuntimeError
            if _SIGNALLED:  # of a class's __set_name__) is still Ctrl-C
                _interrupted()
            raise
        if _SIGNALLED:  # swallowed while the command ran: it finished, Ctrl-C still counts
            _interrupted()
        sys.exit(code)

    if __name__ == "__main__":
        _entry()
except KeyboardInterrupt:  # Ctrl-C while this module itself ran (INTERRUPTED may not exist yet)
    import sys

    sys.stderr.write("interrupted: outputs already written are left as they were\n")
    sys.exit(130)
