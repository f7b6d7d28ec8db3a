"""The ``geoplan`` command line: thin wrappers that parse, call the API, print, exit.

Expected errors (:class:`~geoplan.errors.GeoplanError`) are printed without a traceback and
exit with code 2; Ctrl-C exits with 130 and leaves earlier outputs intact.
"""

from __future__ import annotations

import io
import logging
import sys
import warnings

import typer

from geoplan.__main__ import INTERRUPTED as _INTERRUPTED
from geoplan._safetext import terminal_text, undecodable_text
from geoplan.cli._common import TerminalFormatter, console, err_console, escape
from geoplan.cli._layers import layers_app
from geoplan.cli._recipe import recipe_app
from geoplan.errors import GeoplanError

__all__ = ["app", "main"]

app = typer.Typer(
    name="geoplan",
    help="Turn Vietnam's urban-planning targets into measured, mapped facts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(layers_app, name="layers")
app.add_typer(recipe_app, name="recipe")


@app.callback()
def _root(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only print errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print debug logging."),
) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING
    # geoplan's own messages at ``level``; other libraries only from warnings up (or debug)
    logging.basicConfig(level=min(level, logging.DEBUG if verbose else logging.WARNING),
                        force=True)
    for handler in logging.getLogger().handlers:  # data text in messages reaches a terminal
        handler.setFormatter(TerminalFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger("geoplan").setLevel(level)
    logging.captureWarnings(True)
    console.quiet = quiet


def _register() -> None:
    """Import the command modules so that they attach their commands to :data:`app`."""
    from geoplan.cli import _commands  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 invalid input, 130 interrupted).

    The logging set up for the command (handlers, levels, warnings capture) is undone on
    return, so that calling ``main`` from Python leaves the caller's logging as it was.
    Arguments that are not UTF-8 text (a file name in another encoding arrives as a string
    with lone surrogates) are refused before anything runs; Ctrl-C while the command
    modules import exits with 130 like Ctrl-C later on.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    refused = _non_utf8(args)
    if refused is not None:
        err_console.print(f"[bold red]error:[/] {escape(refused)}", highlight=False,
                          soft_wrap=True)
        return 2
    try:
        _register()
    except KeyboardInterrupt:
        err_console.print(_INTERRUPTED)
        return 130
    root, ours = logging.getLogger(), logging.getLogger("geoplan")
    handlers, levels, showwarning = list(root.handlers), (root.level, ours.level), \
        warnings.showwarning
    try:
        return _main(args)
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        for handler in [h for h in handlers if h not in root.handlers]:
            root.addHandler(handler)
        root.setLevel(levels[0])
        ours.setLevel(levels[1])
        logging.captureWarnings(False)
        warnings.showwarning = showwarning




def _non_utf8(args: list[str]) -> str | None:
    """The message refusing the first argument that is not UTF-8 text (``None``: all are)."""
    for position, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = undecodable_text(arg)
            return (f"argument {position} ({shown}) is not UTF-8 text: geoplan needs UTF-8 "
                    "file and folder names; rename the file or folder (e.g. convmv -f cp1258 "
                    "-t utf-8) or choose another path")
    return None


def _main(argv: list[str] | None) -> int:
    try:
        code = app(args=argv, standalone_mode=False)
    except GeoplanError as exc:
        # the message carries data (paths, column names, titles): never read it as markup
        # and never wrap it: paths and keys stay whole, ready to copy
        # ... and a non-UTF-8 name in it (lone surrogates) printed as \udcxx, not a crash
        text = str(exc).encode("utf-8", "backslashreplace").decode("utf-8")
        err_console.print(f"[bold red]error:[/] {escape(text)}", highlight=False,
                          markup=True, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print(_INTERRUPTED)
        return 130
    except SystemExit as exc:  # typer's own exits (e.g. --help)
        return int(exc.code or 0)
    except Exception as exc:  # click usage errors and aborts
        import click

        usage: tuple[type[Exception], ...] = (click.exceptions.ClickException,)
        aborts: tuple[type[Exception], ...] = (click.exceptions.Abort, typer.Abort)
        try:  # typer >= 0.29 vendors click as typer._click with its own exception classes
            from typer._click.exceptions import ClickException as VendoredClickException
        except ImportError:  # pragma: no cover - older typer uses click itself
            pass
        else:
            usage = (*usage, VendoredClickException)
        if isinstance(exc, usage):
            shown = io.StringIO()  # the message quotes arguments: no raw control characters
            exc.show(file=shown)  # type: ignore[attr-defined]
            sys.stderr.write(terminal_text(shown.getvalue()))
            return 2
        if isinstance(exc, aborts):
            err_console.print(_INTERRUPTED)
            return 130
        raise
    # typer >= 0.29 turns Ctrl-C (KeyboardInterrupt) into Exit(130) and, outside standalone
    # mode, returns that code instead of raising: it must not be mistaken for success
    if isinstance(code, int) and not isinstance(code, bool) and code:
        if code == 130:
            err_console.print(_INTERRUPTED)
        return code
    return 0


def _entry() -> None:  # pragma: no cover - console-script shim of installs before 0.1.1
    from geoplan.__main__ import _entry as entry

    entry()
