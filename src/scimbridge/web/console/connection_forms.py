"""The console's connection form of a pull directory: the conversions between a stored
connection, what the form shows, and the ``connection`` object that
``services.directories.update_directory`` saves (the fields themselves are in
``connection_providers.py``).

This module only turns form text into JSON types (a number, a checkbox, ``name = value``
lines); whether the values make sense is the connector's call, and its sentence is what
the admin reads.

Secrets (the connector's ``secret_fields``) are never put back into a page, not even
masked: the form says whether one is stored. An empty secret field sends
:data:`~scimbridge.connectors.registry.MASK`, which ``update_directory`` replaces with
the stored secret (``registry.unmasked_connection``), the same rule as an API client
sending back what GET showed; a filled one replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scimbridge.connectors.registry import MASK
from scimbridge.web.console.connection_providers import ConnectionForm, FieldKind, FormField

MODE_FIELD = "auth_mode"
"""The form field choosing between a provider's credential modes (Google's two)."""


@dataclass(frozen=True)
class FormState:
    """What the form shows: text or checkbox values (never a secret), the secrets that
    are stored, and the chosen credential mode."""

    values: dict[str, str | bool] = field(default_factory=dict)
    stored_secrets: frozenset[str] = frozenset()
    mode: str | None = None


def _mode_of(form: ConnectionForm, chosen: str | None) -> str | None:
    names = [mode.name for mode in form.modes]
    if not names:
        return None
    return chosen if chosen in names else names[0]


def _shown(value: Any, kind: FieldKind) -> str | bool:
    """A stored value as the form shows it."""
    if kind == "checkbox":
        return value is True
    if value is None:
        return ""
    if kind == "lines" and isinstance(value, Mapping):
        return "\n".join(
            f"{key} = {', '.join(item) if isinstance(item, list) else item}"
            for key, item in value.items()
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def stored_state(form: ConnectionForm, stored: Mapping[str, Any] | None) -> FormState:
    """The form of a stored connection as the API shows it (secrets masked)."""
    stored = stored or {}
    defaults = form.defaults(stored)
    values: dict[str, str | bool] = {}
    secrets: set[str] = set()
    for item in form.fields:
        value = stored.get(item.name)
        if item.kind == "secret":
            if value == MASK:
                secrets.add(item.name)
            continue
        if item.name in defaults and value == defaults[item.name] and item.kind != "checkbox":
            value = None
        values[item.name] = _shown(value, item.kind)
    oauth_stored = "client_id" in stored
    chosen = "oauth" if oauth_stored else None
    return FormState(values, frozenset(secrets), _mode_of(form, chosen))


def submitted_state(
    form: ConnectionForm, submitted: Mapping[str, str], stored: Mapping[str, Any] | None
) -> FormState:
    """The form again after a refused save: what the admin typed, secrets left out."""
    values: dict[str, str | bool] = {}
    for item in form.fields:
        if item.kind == "checkbox":
            values[item.name] = item.name in submitted
        elif item.kind != "secret":
            values[item.name] = submitted.get(item.name, "").strip()
    return FormState(
        values,
        stored_state(form, stored).stored_secrets,
        _mode_of(form, submitted.get(MODE_FIELD)),
    )


def typed_secrets(form: ConnectionForm, submitted: Mapping[str, str]) -> list[str]:
    """The labels of the secrets a refused form carried: the page does not show them
    again, so it says which ones to enter again."""
    return [
        f.label for f in form.fields if f.kind == "secret" and submitted.get(f.name, "").strip()
    ]


def _number(item: FormField, text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{item.label} must be a number") from None


def _lines(item: FormField, text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise ValueError(f"{item.label}, line {number}: write it as name = value")
        if name in parsed:
            raise ValueError(f"{item.label}, line {number}: {name!r} is given twice")
        if item.list_values:
            parsed[name] = [part.strip() for part in value.split(",") if part.strip()]
        else:
            parsed[name] = value
    return parsed


def to_connection(
    form: ConnectionForm, submitted: Mapping[str, str], stored: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The ``connection`` to save from a submitted form; ``stored`` is the stored one as
    the API shows it (secrets masked). An empty field is left out, so the connector's
    default applies; an empty secret keeps the stored one. ``ValueError`` when a number
    or a line cannot be read."""
    state = stored_state(form, stored)
    mode = _mode_of(form, submitted.get(MODE_FIELD))
    connection: dict[str, Any] = {}
    for item in form.fields:
        if item.mode is not None and item.mode != mode:
            continue
        raw = submitted.get(item.name, "")
        if item.kind == "checkbox":
            connection[item.name] = item.name in submitted
        elif item.kind == "secret":
            if raw.strip():
                connection[item.name] = raw.strip() if item.multiline else raw
            elif item.name in state.stored_secrets:
                connection[item.name] = MASK
        elif not raw.strip():
            continue
        elif item.kind == "number":
            connection[item.name] = _number(item, raw.strip())
        elif item.kind == "lines":
            connection[item.name] = _lines(item, raw)
        else:
            connection[item.name] = raw.strip()
    return connection
