"""``geoplan recipe check FILE``: a recipe checked without running it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geoplan.cli._common import console, escape

__all__ = ["recipe_app"]

recipe_app = typer.Typer(help="Check recipes.", no_args_is_help=True)


@recipe_app.command("check")
def check_command(
    recipe: Annotated[Path, typer.Argument(help="Recipe file (or the id of a shipped one).")],
    bundle: Annotated[str | None, typer.Option(
        "--bundle", help="Also check the bundle it would run on (default: the recipe's).")
    ] = None,
) -> None:
    """Check a recipe: every problem at once (file, line, key and the fix), exit 2 if any.

    The schema, the citations and the indicators' names and options are checked as
    ``geoplan run`` checks them, and the bundle must be found; nothing is computed or
    written.
    """
    from geoplan.analyses.recipe import load_recipe
    from geoplan.layers import load_bundle

    parsed = load_recipe(recipe)
    the_bundle = load_bundle(bundle if bundle is not None else parsed.bundle)
    console.print(f"{escape(str(parsed.path or recipe))}: ok: {len(parsed.targets)} target(s), "
                  f"{len(parsed.statistics)} statistic(s), bundle {escape(the_bundle.name)}")
