"""Registry of command modules: importing one attaches its commands to the app."""

from __future__ import annotations

import geoplan.cli._map  # noqa: F401
import geoplan.cli._osm  # noqa: F401
from geoplan.cli import _run  # noqa: F401
