"""Registry of command modules: importing one attaches its commands to the app."""

from __future__ import annotations

from geoplan.cli import _batch, _indicators, _map, _monitor, _osm, _run, _scenarios  # noqa: F401
