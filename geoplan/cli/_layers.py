"""``geoplan layers list|show|validate|build``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from geoplan.cli._common import console, escape

__all__ = ["layers_app"]

layers_app = typer.Typer(help="List, show, validate and build layer bundles.",
                         no_args_is_help=True)


@layers_app.command("list")
def list_command() -> None:
    """List the bundles geoplan can find."""
    from geoplan.layers import list_bundles, load_bundle

    table = Table("bundle", "title", "layers", "missing")
    for name in list_bundles():
        bundle = load_bundle(name)
        table.add_row(
            escape(name), escape(bundle.manifest.title), str(len(bundle.roles)),
            str(len(bundle.missing)),
        )
    console.print(table)


@layers_app.command("show")
def show_command(name: str = typer.Argument("hanoi", help="Bundle name or folder.")) -> None:
    """Show every layer of a bundle: features, CRS, source, licence, and what is missing."""
    from geoplan.errors import LayerValidationError
    from geoplan.layers import load_bundle
    from geoplan.layers.roles import role_spec

    bundle = load_bundle(name)
    rows: list[tuple[str, ...]] = []
    missing = []
    broken = []
    for row in bundle.summary():
        if row.problem is not None:
            broken.append(row)
        if row.missing is not None:
            rows.append((row.role, "missing", "", "", "", ""))
            missing.append(row)
            continue
        unit = " px" if role_spec(row.role).kind == "raster" else ""
        features = "?" if row.features is None else f"{row.features:,}{unit}"
        rows.append((row.role, features, row.crs, row.coverage, row.licence, row.source))
    headers = ("role", "features", "CRS", "coverage", "licence", "source")
    fixed = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers[:4])]
    # the long licence and source texts share what the fixed columns leave of the terminal
    room = max((console.width - sum(fixed) - 3 * len(headers) - 1) // 2, 6)
    table = Table(title=escape(f"{bundle.name}: {bundle.manifest.title}"))
    for header, width in zip(headers, [*fixed, room, room], strict=True):
        table.add_column(header, no_wrap=True, overflow="ellipsis", max_width=width,
                         min_width=min(width, len(header)))
    for r in rows:
        table.add_row(*(escape(cell) for cell in r))
    console.print(table)
    for row in missing:
        console.print(f"[yellow]{escape(row.role)}[/]: no data: {escape(row.missing or '')}")
    if bundle.manifest.attribution:
        console.print(escape(bundle.manifest.attribution))
    console.print(f"full sources: {escape(str(bundle.path / 'SOURCES.md'))}")
    if broken:  # files that are not regular files were not opened: say what they are
        raise LayerValidationError([row.problem or "" for row in broken], bundle=bundle.name)


@layers_app.command("validate")
def validate_command(
    name: str = typer.Argument("hanoi", help="Bundle name or folder."),
    strict: bool = typer.Option(False, help="Invalid geometries are errors, not repaired."),
) -> None:
    """Check every layer of a bundle and report all problems together (exit 2 if any)."""
    from geoplan.layers import load_bundle
    from geoplan.layers.validate import GeometryRepairWarning

    bundle = load_bundle(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryRepairWarning)  # counted in the table instead
        report = bundle.validate(strict=strict)
    table = Table("role", "features", "CRS", "repaired", "status",
                  title=escape(f"{bundle.name}: valid"))
    for row in report.layers:
        if row.missing is not None:
            reason = f"[yellow]no data[/]: {escape(row.missing)}"
            table.add_row(escape(row.role), "", "", "", reason)
        else:
            table.add_row(escape(row.role), f"{row.features:,}", escape(row.crs),
                          str(row.repaired), "[green]ok[/]")
    console.print(table)
    present = sum(r.missing is None for r in report.layers)
    console.print(
        f"{escape(bundle.name)}: {present} layer(s) valid, {len(report.layers) - present} missing, "
        f"{report.repaired} geometr{'y' if report.repaired == 1 else 'ies'} repaired"
    )


@layers_app.command("build")
def build_command(
    name: Annotated[str, typer.Argument(help="Bundle to build: hanoi, haiphong, hatinh or "
                                             "tuyenquang.")],
    source: Annotated[Path, typer.Option(
        "--source", help="The shared/data folder with the raw sources (see its SOURCES.md).")],
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers-dir", help="Folder holding bundles (default: the package's layers/).")] = None,
) -> None:
    """Rebuild a bundle from the raw public data, offline; then validate and show it."""
    from geoplan.layers.build import build_bundle

    with console.status(f"building {escape(name)} from {escape(str(source))}"):
        folder = build_bundle(name, source=source, layers_dir=layers_dir)
    console.print(f"built {escape(str(folder))}")
    show_command(str(folder))


@layers_app.command("restore")
def restore_command(
    bundle: Annotated[str, typer.Argument(help="Bundle name, e.g. hanoi.")],
    role: Annotated[str, typer.Argument(help="Role to bring back, e.g. bus_stops.")],
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers-dir", help="Folder holding bundles (default: the package's layers/).")] = None,
) -> None:
    """Bring back the layer a role held before geoplan last replaced or merged it.

    The current layer becomes the entry's 'previous' (restore again to undo).
    """
    from geoplan.layers.store import restore_layer

    folder = restore_layer(bundle, role, layers_dir=layers_dir)
    console.print(f"restored {escape(role)} of {escape(str(folder))}")
