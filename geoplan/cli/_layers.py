"""``geoplan layers list|show|validate``."""

from __future__ import annotations

import warnings

import typer
from rich.table import Table

from geoplan.cli._common import console, escape
from geoplan.layers import list_bundles, load_bundle
from geoplan.layers.validate import GeometryRepairWarning

__all__ = ["layers_app"]

layers_app = typer.Typer(help="List, show and validate layer bundles.", no_args_is_help=True)


@layers_app.command("list")
def list_command() -> None:
    """List the bundles geoplan can find."""
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
    bundle = load_bundle(name)
    table = Table("role", "features", "CRS", "coverage", "source", "licence",
                  title=f"{bundle.name}: {bundle.manifest.title}")
    for row in bundle.summary():
        if row.missing is not None:
            table.add_row(escape(row.role), "[yellow]missing[/]", "", "",
                          escape(row.missing), "")
            continue
        table.add_row(escape(row.role), "?" if row.features is None else f"{row.features:,}",
                      escape(row.crs), row.coverage, escape(row.source), escape(row.licence))
    console.print(table)
    if bundle.manifest.attribution:
        console.print(escape(bundle.manifest.attribution))


@layers_app.command("validate")
def validate_command(
    name: str = typer.Argument("hanoi", help="Bundle name or folder."),
    strict: bool = typer.Option(False, help="Invalid geometries are errors, not repaired."),
) -> None:
    """Check every layer of a bundle and report all problems together (exit 2 if any)."""
    bundle = load_bundle(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryRepairWarning)  # counted in the table instead
        report = bundle.validate(strict=strict)
    table = Table("role", "features", "CRS", "repaired", "status", title=f"{bundle.name}: valid")
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
        f"{bundle.name}: {present} layer(s) valid, {len(report.layers) - present} missing, "
        f"{report.repaired} geometr{'y' if report.repaired == 1 else 'ies'} repaired"
    )
