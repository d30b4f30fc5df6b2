"""Which pull providers exist: provider name → its connector module.

A pull provider (``google``, ``ldap``, ``csv``) is accepted by the admin API only when
its connector is registered here, so a directory is never created "active" for a source
nothing fetches from (issue 12's refusal, now per provider). Each connector module
exposes one :class:`PullConnector` named ``CONNECTOR``; modules are imported lazily so
that a server without, say, ``ldap3`` installed still starts and only that provider is
refused.

To register a connector, add one line to :data:`_MODULES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scimbridge.connectors.base import Source

_MODULES: dict[str, str] = {
    "google": "scimbridge.connectors.google",
    "ldap": "scimbridge.connectors.ldap",
    "csv": "scimbridge.connectors.csv_connector",
}


@dataclass(frozen=True)
class PullConnector:
    """What the engine and the admin API need from one provider.

    ``validate_connection`` checks a ``connection`` object and returns it normalised, or
    raises ``ValueError`` with a sentence for the admin (it becomes a 400).
    ``open_source`` opens a :class:`Source` for one run from the stored (decrypted)
    connection; it is ``None`` for providers that only receive data by import (CSV), which
    the scheduler then skips. ``secret_fields`` name the connection keys that are masked
    whenever a connection is shown (API, logs, UI).
    """

    provider: str
    validate_connection: Callable[[Mapping[str, Any]], dict[str, Any]]
    open_source: Callable[[Mapping[str, Any]], Source] | None
    secret_fields: frozenset[str] = frozenset()


MASK = "********"


def registered_providers() -> tuple[str, ...]:
    """Pull providers whose connector module imports (in registry order)."""
    return tuple(p for p in _MODULES if connector_for(p) is not None)


def connector_for(provider: str) -> PullConnector | None:
    """The provider's connector, or ``None`` when none is registered or it cannot load."""
    module_name = _MODULES.get(provider)
    if module_name is None:
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    connector = getattr(module, "CONNECTOR", None)
    return connector if isinstance(connector, PullConnector) else None


def masked_connection(provider: str, connection: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``connection`` as the API shows it: every secret field replaced by :data:`MASK`."""
    if connection is None:
        return None
    connector = connector_for(provider)
    secrets = connector.secret_fields if connector is not None else frozenset(connection)
    return {k: (MASK if k in secrets and v not in (None, "") else v) for k, v in connection.items()}


def unmasked_connection(provider: str, connection: object, previous: Mapping[str, Any]) -> object:
    """A PATCHed ``connection`` whose secret fields still read :data:`MASK` (a client
    sending back what GET showed) keeps the stored secrets instead of storing the mask."""
    connector = connector_for(provider)
    if connector is None or not isinstance(connection, Mapping):
        return connection
    return {
        k: (previous.get(k) if k in connector.secret_fields and v == MASK else v)
        for k, v in connection.items()
    }
