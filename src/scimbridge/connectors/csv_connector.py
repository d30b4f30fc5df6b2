"""The ``csv`` provider: its connection settings and how an import opens its source.

A CSV directory receives data only by import (``POST …/import`` or ``scimbridge
directories import``): there is nothing for the scheduler to fetch, so ``open_source`` is
``None``. Its ``connection`` may hold a ``header_map`` (the file's column name → the
documented column name, connectors/csv_source.py), used by every import of the directory
unless the import gives its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.connectors.registry import PullConnector


def validate_connection(connection: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(connection) - {"header_map"})
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(unknown)}; a csv connection takes header_map"
        )
    return {"header_map": header_map(connection.get("header_map"))}


def header_map(value: object) -> dict[str, str]:
    """``{"file column": "documented column"}``, strings only."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in value.items()
    ):
        raise ValueError('header_map must map column names to column names: {"Mail": "email"}')
    return dict(value)


CONNECTOR = PullConnector(provider="csv", validate_connection=validate_connection, open_source=None)
