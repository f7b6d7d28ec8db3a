"""Shared console objects of the CLI."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

__all__ = ["console", "err_console", "escape"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
