"""Start a bundle for any of the 34 provinces from the national ``vietnam`` bundle.

``geoplan layers new NAME --province "Hà Tĩnh"`` (:func:`new_province_bundle`) writes a
bundle holding what open data geoplan ships for the province: its outline (``city_boundary``
with the official ``province_code``), the WorldPop 2020 window of the province and the 2019
census totals (``population_2019``, ``urban_population_2019``, ``rural_population_2019``) as
statistics. Every other role is listed as missing with its reason and the command that fills
it (``geoplan import-osm`` for a country extract, ``geoplan layers add`` for the planner's own
files). Recipes that need only the census (urbanisation) run at once; the land-use ratios
compute as soon as a land-use layer is added, on the province outline as their area.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import date
from pathlib import Path

import geopandas as gpd

from geoplan.errors import OutputError
from geoplan.layers.census import (
    NATIONAL_BUNDLE,
    find_province,
    former_census,
    name_key,
    provinces,
)
from geoplan.layers.manifest import LayerEntry

__all__ = ["FILL_COMMANDS", "new_province_bundle"]

logger = logging.getLogger(__name__)

#: How each role of a new province bundle gets its data (``{name}`` is the bundle).
FILL_COMMANDS: dict[str, str] = {
    "admin_units": ("`geoplan import-osm <vietnam-latest.osm.pbf> --city {name} --only "
                    "admin_units` (OSM commune relations, census population from the vietnam "
                    "bundle) or `geoplan layers add {name} admin_units FILE --columns "
                    "name=...,population=...`"),
    "river_axis": "`geoplan layers add {name} river_axis FILE`",
    "river_corridors": "`geoplan layers add {name} river_corridors FILE`",
    "water": "`geoplan import-osm <vietnam-latest.osm.pbf> --city {name} --only water`",
    "metro_lines": "`geoplan layers add {name} metro_lines FILE` (status, plan per line)",
    "stations": "`geoplan layers add {name} stations FILE`",
    "bus_stops": "`geoplan import-osm <vietnam-latest.osm.pbf> --city {name} --only bus_stops`",
    "green_space": ("`geoplan import-osm <vietnam-latest.osm.pbf> --city {name} --only "
                    "green_space` or `geoplan layers add {name} green_space FILE`"),
    "land_use": ("`geoplan layers add {name} land_use FILE --columns land_use=<code column>` "
                 "(TT 08/2024 codes) or `geoplan import-osm ... --only land_use`"),
    "street_network": ("`geoplan import-osm <vietnam-latest.osm.pbf> --city {name} --only "
                       "street_network`"),
}


def new_province_bundle(name: str, *, province: str | int,
                        layers_dir: Path | str | None = None,
                        national_dir: Path | str | None = None) -> Path:
    """Write a new bundle ``name`` for a province of 2025, from the ``vietnam`` bundle.

    Parameters
    ----------
    name
        Bundle (folder) name: letters, digits, ``_``, ``-``, ``.``.
    province
        Province name or code for :func:`~geoplan.layers.census.find_province`
        (``"Hà Tĩnh"``, ``"42"``).
    layers_dir
        Folder to write the bundle into; default the repository's ``layers/``.
    national_dir
        Folder holding the ``vietnam`` bundle; default the usual search.

    Returns
    -------
    pathlib.Path
        The new bundle folder.

    Raises
    ------
    OutputError
        If a file or folder ``name`` already exists there (nothing is replaced) or the
        folder cannot be written; the bundle is written in a staging folder and appears
        whole or not at all.
    UnknownProvinceError
        If ``province`` is none of the 34 provinces.
    SourceDataError
        If the ``vietnam`` bundle cannot be read.

    Examples
    --------
    >>> folder = new_province_bundle("hatinh2", province="Hà Tĩnh",
    ...                              layers_dir="/tmp/geoplan-doc")  # doctest: +SKIP
    """
    import rasterio

    from geoplan import __version__
    from geoplan.io import check_name
    from geoplan.layers.build._bundle import BundleSpec, staging_folder, write_bundle
    from geoplan.layers.build._common import (
        BuiltLayer,
        box_extent,
        census_statistics,
        city_extent,
    )
    from geoplan.layers.build._environment import clip_raster_window
    from geoplan.layers.bundle import load_bundle, writable_layers_dir
    from geoplan.layers.roles import ROLES

    check_name(name, option="NAME", inside="the layers folder")
    target = Path(layers_dir if layers_dir is not None else writable_layers_dir()) / name
    if target.exists() or target.is_symlink():
        message = (f"{target} already exists; `geoplan layers new` never replaces anything: "
                   "choose another NAME, or add to that bundle with `geoplan layers add` / "
                   "`geoplan import-osm`")
        raise OutputError(message)
    found = find_province(province, layers_dir=national_dir)
    table = provinces(layers_dir=national_dir)
    row = table.loc[[found.code]]
    national = (load_bundle(NATIONAL_BUNDLE) if national_dir is None
                else load_bundle(Path(national_dir) / NATIONAL_BUNDLE))
    nat_entry = national.manifest.layers["admin_units"]
    outline = gpd.GeoDataFrame(
        {"name": [found.name], "name_full": [found.name_full], "province_code": [found.code]},
        geometry=row.geometry.to_numpy(), crs=table.crs)
    boundary_entry = LayerEntry(
        columns={"name_full": "str", "province_code": "str"},
        source=f"province {found.code} of the national bundle: {nat_entry.source}",
        licence=nat_entry.licence, attribution=nat_entry.attribution,
        date="provinces of 2025-07-01",
        method=(f"outline of {found.name_full} ({', '.join(found.former)} before 2025) from "
                "the geoBoundaries outlines of the former provinces, dissolved"),
        approximate=True,
        coverage_note="generalised outline: fine for maps and for the land-use ratios' area "
                      "on a wall-to-wall land-use layer, not for exact area statistics",
        extent=city_extent(outline),
    )
    census = national.manifest.statistics.get("population_2019")
    census_source = (census.source if census is not None else "2019 census (GSO)") + (
        f"; province {found.code} = sum of the wards of {', '.join(found.former)}")
    statistics = census_statistics(
        {"population": found.population, "urban_population": found.urban_population,
         "rural_population": found.rural_population}, source=census_source)
    former = former_census(found, layers_dir=national_dir)
    namesake = former[former["former"].map(name_key) == name_key(found.name)]
    if len(former) > 1 and len(namesake) == 1:  # plans of before the merger target it
        own = namesake.iloc[0]
        others = [str(f) for f in former["former"] if f != own["former"]]
        note = (f"territory of {found.name} before the 2025 merger with {', '.join(others)}")
        pre_source = census_source.split(";")[0] + f"; the {int(own['census_wards'])} wards " \
            f"of {own['former']}"
        statistics |= census_statistics(
            {k: own[k] for k in ("population", "urban_population")}, source=pre_source,
            suffix="_pre2025", note=note)
    with tempfile.TemporaryDirectory(prefix="geoplan-new-") as work:
        layers: list[BuiltLayer] = [
            BuiltLayer("city_boundary", boundary_entry, outline, file=f"{name}.gpkg")]
        if national.has("population_raster"):
            raster_entry = national.manifest.layers["population_raster"]
            src = national.path / str(raster_entry.file)
            out = Path(work) / "population_2020.tif"
            window = clip_raster_window(src, tuple(outline.total_bounds), out, pad=1)
            with rasterio.open(out) as written:
                west, south, east, north = written.bounds
            layers.append(BuiltLayer("population_raster", raster_entry.model_copy(update={
                "file": out.name,
                "method": (f"window of the vietnam bundle's WorldPop 2020 grid covering the "
                           f"province ({window.width} × {window.height} px), unresampled"),
                "extent": box_extent(west, south, east, north),
            }), raster=out, file=out.name))
        held = {layer.role for layer in layers}
        layers += [BuiltLayer(role, LayerEntry(missing=(
            f"no open data for {found.name} ships with geoplan; fill it with "
            + FILL_COMMANDS.get(role, f"`geoplan layers add {name} {role} FILE`")
            .format(name=name))))
            for role in ROLES if role not in held]
        order = {role: i for i, role in enumerate(ROLES)}
        layers.sort(key=lambda layer: order.get(layer.role, len(order)))
        spec = BundleSpec(
            name=name, title=found.name,
            description=(f"{found.name_full} (province {found.code} of 2025): outline, WorldPop "
                         "2020 and 2019 census totals from the national bundle; the other "
                         "layers come from the planner's files."),
            country="VN", metric_crs=_metric_crs(outline), attribution=national.manifest.
            attribution, data_date=date(2024, 10, 1), layers=layers, statistics=statistics,
            notes=[f"Started with `geoplan layers new {name} --province {found.code}` "
                   f"(geoplan {__version__}) from the national bundle."],
        )
        with staging_folder(target) as stage:
            write_bundle(spec, stage, built_with=(
                f"geoplan layers new {name} --province {found.code} (geoplan {__version__})"))
    logger.info("new bundle %s for %s in %s", name, found.name, target)
    return target


def _metric_crs(outline: gpd.GeoDataFrame) -> str:
    from geoplan.crs import metric_crs

    epsg = metric_crs(outline, what="province outline").to_epsg()
    if epsg is None:  # pragma: no cover - UTM zones always have an EPSG code
        message = "no EPSG code for the province's UTM zone"
        raise OutputError(message)
    return f"EPSG:{epsg}"
