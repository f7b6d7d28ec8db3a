"""Registry of command modules: importing one attaches its commands to the app."""

from __future__ import annotations
