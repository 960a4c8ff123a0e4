"""graphring: find counterfeit seller rings through the infrastructure their shops share."""

from __future__ import annotations

__version__ = "0.1.0"
