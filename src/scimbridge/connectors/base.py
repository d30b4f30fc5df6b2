"""What a pull source hands the sync engine: users and groups as streams, and its errors.

A connector only *fetches and maps* (DESIGN.md): it reads the source (Google's Directory
API, an LDAP server, a CSV file) page by page and yields each user and group already
shaped as a SCIM resource. Reconciliation (``connectors/reconcile.py``) turns what it
yields into calls of the single write path (``directory/commands``), so a pull emits
exactly the events a SCIM push of the same change would.

Three rules every connector keeps:

* **Streams, not lists.** ``users()``, ``groups()`` and ``members()`` are iterators
  that fetch lazily (paged results, ``pageToken``, a file read line by line), so a
  100,000-user source never sits in memory at once.
* **Stable ids.** ``source_id`` is the source's own immutable id (Google's user id,
  LDAP ``entryUUID`` / AD ``objectGUID``, the CSV id column): it becomes the stored
  resource's ``externalId`` and is how the next run recognises the same person after a
  rename. Never the e-mail address or the DN, which change.
* **Errors are classified.** Anything that stops a run is raised as
  :class:`SourceError` with a :data:`SourceErrorKind` and a sentence an IT admin can act
  on; the engine records it in the run report and sets the directory's state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

SourceErrorKind = Literal[
    "credentials",  # the source refused who we are (bad password, revoked key)
    "permission",  # authenticated, but not allowed to read what we need (missing scope)
    "rate_limited",  # the source asked us to slow down and retries ran out
    "unreachable",  # DNS, TCP, TLS or timeout: the source could not be reached
    "invalid_config",  # the connection settings cannot work (bad base DN, bad URL)
    "invalid_data",  # the source answered something we cannot use (e.g. a malformed file)
    "source_error",  # the source failed on its side (5xx, LDAP server error)
]


class SourceError(Exception):
    """A pull could not complete; ``explanation`` says why in plain words."""

    def __init__(
        self, kind: SourceErrorKind, explanation: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(explanation)
        self.kind: SourceErrorKind = kind
        self.explanation = explanation
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SourceUser:
    """One user of the source, mapped to a SCIM User resource (RFC 7643 §4.1).

    ``resource`` holds what a SCIM client would POST: ``userName``, ``active``,
    ``name``, ``displayName``, ``emails``, the enterprise extension, and the source's own
    extra data under a schema URN of the connector (so it lands in ``raw_attributes``
    and can be mapped with ``attribute_map``). Its ``externalId`` is ``source_id``.
    """

    source_id: str
    resource: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SourceGroup:
    """One group of the source, mapped to a SCIM Group resource without ``members``
    (RFC 7643 §4.2); its members come from :meth:`Source.members`."""

    source_id: str
    resource: Mapping[str, Any]


class Source(Protocol):
    """An open connection to one pull source, for one sync run."""

    def users(self) -> Iterator[SourceUser]:
        """Every user of the source (inactive ones included, with ``active: false``)."""
        ...

    def groups(self) -> Iterator[SourceGroup]:
        """Every group of the source."""
        ...

    def members(self, group: SourceGroup) -> Iterator[str]:
        """The ``source_id`` of every user directly or (when the connection asks for
        flattening) indirectly in ``group``; ids of users not yielded by :meth:`users`
        are ignored by reconciliation."""
        ...

    @property
    def pages_fetched(self) -> int:
        """How many pages (requests) the run has fetched so far, for the run report."""
        ...

    def close(self) -> None:
        """Release connections; called once at the end of the run, even after an error."""
        ...
