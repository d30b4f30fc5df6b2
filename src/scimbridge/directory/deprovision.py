"""Deprovisioning policy: which lifecycle event means "this person lost access".

Identity providers disagree on what they do when a person is unassigned from an app or
leaves the company: some only set ``active`` to false (the user stays, and can come
back), others hard-delete the user. An application that waits for the wrong event keeps
a leaver's sessions alive. Each directory therefore carries a ``deprovision_policy``,
shown on the directory object, that says which event its source sends on unassignment:

- ``deactivate``: unassignment arrives as ``active`` true → false, i.e. a
  ``user.deactivated`` event; the user may come back (``user.reactivated``, same id).
  Apps revoke sessions on ``user.deactivated``.
- ``delete``: unassignment arrives as a hard delete, i.e. ``user.deleted``; a person who
  comes back is a new user (new id, ``user.created``).

For pull sources (Google Workspace, LDAP, CSV) the policy is also what scimbridge does
with a user that is gone from the source on the next sync: ``deactivate`` sets
``active`` to false (``user.deactivated``), ``delete`` deletes the user (``user.deleted``).

The per-provider defaults follow each provider's documented behaviour
(docs/idp-compatibility.md, "Deprovisioning", links each document and its test):

- Okta deactivates (PATCH or PUT ``active: false``) when "Deactivate Users" is on and
  does not DELETE users (Okta, "SCIM 2.0 protocol reference").
- Microsoft Entra ID sends ``active: false`` on unassignment, soft delete, block or
  scope loss, and a DELETE only once the user is hard-deleted (30 days after a soft
  delete) (Microsoft Learn, "How Application Provisioning works", de-provisioning).
- OneLogin suspends or deletes per app setting (OneLogin, "User provisioning": "create,
  update, suspend and delete"); the default assumes suspend (``active: false``), set
  ``delete`` when the app's deprovisioning action is "Delete".
- JumpCloud deactivates ("user_deprovision: … change an existing user to inactive") and
  deletes only when the user is deleted (JumpCloud, "Identity Management using a Custom
  SCIM Integration").
- PingFederate's provisioners have a "Remove User Action", Disable (the default) or
  Delete (Ping Identity, "SCIM Provisioner" and its provisioning options).
- Rippling documents no deprovisioning verb publicly; ``deactivate`` is assumed.
- Google Workspace has its own "suspended" flag (mapped to ``active`` false whatever the
  policy), so a user gone from ``users.list`` was deleted there: default ``delete``.
- LDAP and CSV: an entry missing from a search or a row missing from a file is as often
  a moved OU or a partial export as a departure, so the default is the reversible
  ``deactivate``.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

DeprovisionPolicy: TypeAlias = Literal["deactivate", "delete"]

DEPROVISION_POLICIES: tuple[DeprovisionPolicy, ...] = ("deactivate", "delete")
DEFAULT_POLICY: DeprovisionPolicy = "deactivate"

# Only providers whose documented behaviour differs from the default are listed.
_PROVIDER_DEFAULTS: dict[str, DeprovisionPolicy] = {"google": "delete"}


def default_policy(provider: str) -> DeprovisionPolicy:
    """The policy a new directory of ``provider`` gets when none is given."""
    return _PROVIDER_DEFAULTS.get(provider, DEFAULT_POLICY)
