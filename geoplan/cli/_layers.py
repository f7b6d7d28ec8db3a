"""``geoplan layers list|show|validate|build|new|add|restore``."""

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


@layers_app.command("new")
def new_command(
    name: Annotated[str, typer.Argument(help="Name of the new bundle (a folder name).")],
    province: Annotated[str, typer.Option(
        "--province", help="Province of 2025: name or two-digit code, e.g. 'Hà Tĩnh' or 42.")],
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers-dir", help="Folder to write the bundle into (default: the package's "
                             "layers/).")] = None,
) -> None:
    """Start a bundle for any of the 34 provinces: outline, census totals, WorldPop window.

    Every other layer is listed as missing with the command that fills it (import-osm for
    a country extract, layers add for your own files). An existing NAME is never replaced.
    """
    from geoplan.layers.new import new_province_bundle

    folder = new_province_bundle(name, province=province, layers_dir=layers_dir)
    console.print(f"created {escape(str(folder))}")
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


@layers_app.command("add")
def add_command(
    bundle: Annotated[str, typer.Argument(help="Bundle to add to (created when absent).")],
    role: Annotated[str, typer.Argument(help="Role the file fills: admin_units, land_use, "
                                             "green_space, stations, ...")],
    file: Annotated[Path, typer.Argument(help="Shapefile, GeoPackage, GeoJSON, GeoParquet or "
                                              "MapInfo TAB.")],
    layer: Annotated[str | None, typer.Option(
        "--layer", help="Layer of a multi-layer file (GeoPackage).")] = None,
    crs: Annotated[str | None, typer.Option(
        "--crs", help="CRS of a file without one: vn2000:<province> (vn2000:hanoi), "
                      "vn2000:<meridian> (vn2000:105-45) or any CRS pyproj reads "
                      "(EPSG:4326).")] = None,
    columns: Annotated[list[str] | None, typer.Option(
        "--columns", help="Renames TARGET=SOURCE, comma-separated "
                          "(name=TEN_XA,population=DAN_SO); may repeat.")] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="Text encoding of a Shapefile's .dbf without .cpg (cp1258, "
                           "utf-8, ...).")] = None,
    source: Annotated[str | None, typer.Option(
        "--source", help="Where the file comes from (recorded in bundle.yaml).")] = None,
    licence: Annotated[str | None, typer.Option(
        "--licence", help="Its licence or terms of use.")] = None,
    extent: Annotated[str, typer.Option(
        "--extent", help="Covered extent: 'features' (the layer's own) or 'boundary' (the "
                         "bundle's city boundary).")] = "features",
    replace: Annotated[bool, typer.Option(
        "--replace", help="Replace the role if the bundle holds it (the old entry is kept "
                          "as 'previous').")] = False,
    unknown_codes: Annotated[str, typer.Option(
        "--unknown-codes", help="land_use: codes not in TT 08/2024: 'refuse' (default), "
                                "'keep' (as written, counted by no indicator) or 'drop'.")
    ] = "refuse",
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers-dir", help="Folder holding bundles (default: the package's layers/).")] = None,
) -> None:
    """Add a planner's own GIS file to a bundle as one role, checked against its contract.

    The file is never modified. Columns are renamed with --columns; VN-2000 files without a
    .prj need --crs vn2000:<province>; land_use codes of TT 08/2024/TT-BTNMT are mapped to
    the indicators' classes. A role the bundle holds is replaced only with --replace.
    """
    from geoplan.layers.add import add_layer, parse_columns
    from geoplan.layers.validate import GeometryRepairWarning

    choices = {"--extent": (extent, ("features", "boundary")),
               "--unknown-codes": (unknown_codes, ("refuse", "keep", "drop"))}
    for option, (value, allowed) in choices.items():
        if value not in allowed:
            message = f"{value!r} is not one of {', '.join(allowed)}"
            raise typer.BadParameter(message, param_hint=option)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GeometryRepairWarning)
        result = add_layer(bundle, role, file, layer=layer, crs=crs,
                           columns=parse_columns(columns), encoding=encoding, source=source,
                           licence=licence, extent=extent,  # type: ignore[arg-type]
                           replace=replace, unknown_codes=unknown_codes,  # type: ignore[arg-type]
                           layers_dir=layers_dir)
    for warning in caught:
        if issubclass(warning.category, GeometryRepairWarning):
            console.print(f"[yellow]{escape(str(warning.message))}[/]")
    console.print(f"added {escape(result.role)} to {escape(str(result.folder))}: "
                  f"{result.features:,} features, CRS {escape(result.crs)}")
    for note in result.notes:
        console.print(f"  {escape(note)}")
    if result.unknown_codes:
        verb = "dropped" if result.dropped else "kept as written (counted by no indicator)"
        listed = ", ".join(f"{escape(code)} × {n}" for code, n in result.unknown_codes.items())
        console.print(f"[yellow]land-use codes not in TT 08/2024 {verb}[/]: {listed}")
