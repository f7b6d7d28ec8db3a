"""``geoplan map BUNDLE``: draw a bundle's layers as one self-contained HTML map."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from geoplan._choices import LANGS, TILES
from geoplan.cli import app
from geoplan.cli._common import check_choice, console, escape
from geoplan.io import check_name, check_output, commit_staged, staging_dir

__all__ = ["map_command"]


@app.command("map")
def map_command(
    bundle: Annotated[str, typer.Argument(help="Bundle name (e.g. hanoi) or folder.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="HTML file to write (default maps/<bundle>/layers.html).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Map labels: vi or en.")] = "vi",
    tiles: Annotated[str, typer.Option(
        "--tiles", help="Basemap: none (offline), osm or carto (need the network).")] = "none",
) -> None:
    """Draw a bundle's layers (units, river, metro, stations, catchments) as an HTML map.

    Beside it, <name>.provenance.json records versions, the bundle files with their SHA-256,
    the options, the map's SHA-256 and the timing; both are written as one set (both or
    neither), and an existing <name>.provenance.json is replaced only when it is geoplan's
    record of that same map. --out must not be a file of the bundle,
    lie in the bundle folder, or be a device, FIFO, socket, folder or symbolic link.
    """
    check_choice(lang, LANGS, option="--lang")  # before geopandas and folium are imported
    check_choice(tiles, TILES, option="--tiles")
    from geoplan.layers import load_bundle

    started, clock = datetime.now(UTC), time.perf_counter()
    the_bundle = load_bundle(bundle)  # no such bundle: refused before folium is imported
    from geoplan.maps import map_bundle, save_map
    from geoplan.provenance import (
        check_record_target,
        inputs_protected,
        output_record,
        write_record,
    )

    target = out if out is not None else Path("maps") / check_name(
        the_bundle.name, option=f"{the_bundle.path / 'bundle.yaml'}: key name",
        inside="maps/ (or pass --out)") / "layers.html"
    prov_path = target.with_name(f"{target.stem}.provenance.json")
    with inputs_protected(None, the_bundle):
        for path in (target, prov_path):  # refuse before drawing, not after
            check_output(path)
        # a file beside the map of its record's name is replaced only when it is geoplan's
        # record of this same map (a user's notes.provenance.json is refused)
        check_record_target(prov_path, [target.name])
        fmap = map_bundle(the_bundle, lang=lang, tiles=tiles)
    # the map and its record are one staged set: both are renamed in, or neither
    names = [target.name, prov_path.name]
    with staging_dir(target.parent, prefix=".geoplan-map-") as stage:
        staged = save_map(fmap, stage / target.name)
        record = output_record(the_bundle, [staged], command="map", started=started,
                               clock=clock, parameters={"lang": lang, "tiles": tiles})
        write_record(record, stage / prov_path.name)
        with inputs_protected(None, the_bundle):
            for path in (target, prov_path):  # nothing planted meanwhile
                check_output(path)
            check_record_target(prov_path, [target.name])
        written = commit_staged(stage, target.parent, names, ours=names,
                                hint="choose another path with --out")[target.name]
    prov = target.parent / prov_path.name
    size_kb = written.stat().st_size / 1000
    console.print(f"wrote {escape(str(written))} ({size_kb:,.0f} kB) and {escape(prov.name)}")
