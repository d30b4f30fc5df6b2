"""The fields of each pull provider's connection form, in one place.

They are exactly those the connector's ``validate_connection`` accepts
(``connectors/google.py``, ``connectors/ldap_settings.py``,
``connectors/csv_connector.py``; a test keeps the two equal), with labels and hints taken
from the connectors' documentation and Google's and the LDAP RFCs' wording. How a form
becomes a connection is ``connection_forms.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from scimbridge.connectors.google import DEFAULT_API_BASE_URL, DEFAULT_TOKEN_URI
from scimbridge.connectors.google_auth import SCOPES
from scimbridge.connectors.ldap_profiles import MAPPABLE_FIELDS, PROFILES
from scimbridge.connectors.ldap_settings import MAX_PAGE_SIZE

FieldKind = Literal["text", "secret", "textarea", "select", "checkbox", "lines", "number"]


@dataclass(frozen=True)
class FormField:
    """One field: ``name`` is the connection key it fills."""

    name: str
    label: str
    kind: FieldKind
    hint: str = ""
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # select: (value, label)
    mode: str | None = None  # shown and sent only under this credential mode
    advanced: bool = False  # folded under "Advanced" (defaults suit most directories)
    multiline: bool = False  # a secret entered in a textarea (a JSON key file)
    list_values: bool = False  # lines: ``name = a, b`` gives a list of values


@dataclass(frozen=True)
class Mode:
    """One way to authenticate; its fields carry ``mode=name``."""

    name: str
    label: str
    hint: str


def _no_defaults(stored: Mapping[str, Any]) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class ConnectionForm:
    provider: str
    intro: str
    fields: tuple[FormField, ...]
    modes: tuple[Mode, ...] = ()
    defaults: Callable[[Mapping[str, Any]], Mapping[str, Any]] = _no_defaults
    """The values the connector fills in when a field is left out, given the stored
    connection: such a value is shown as an empty field, so that changing, say, the
    LDAP profile also changes the filters the admin never set."""

    def fields_of(self, mode: str | None) -> tuple[FormField, ...]:
        return tuple(f for f in self.fields if f.mode == mode and not f.advanced)

    @property
    def advanced(self) -> tuple[FormField, ...]:
        return tuple(f for f in self.fields if f.advanced)


def _google_defaults(stored: Mapping[str, Any]) -> Mapping[str, Any]:
    return {
        "customer": "my_customer",
        "api_base_url": DEFAULT_API_BASE_URL,
        "token_uri": DEFAULT_TOKEN_URI,
        "timeout_seconds": 30,
    }


GOOGLE = ConnectionForm(
    provider="google",
    intro=(
        "scimbridge reads users, groups and memberships with the Admin SDK Directory API "
        "(read-only scopes)."
    ),
    modes=(
        Mode(
            "service_account",
            "Service account with domain-wide delegation (recommended)",
            "In the Google Admin console, Security > Access and data control > API controls "
            "> Manage Domain Wide Delegation: add the service account's client ID with the "
            "scopes " + ", ".join(SCOPES) + ".",
        ),
        Mode(
            "oauth",
            "OAuth client and refresh token",
            "A refresh token an administrator granted to your OAuth client, with the same "
            "read-only scopes.",
        ),
    ),
    fields=(
        FormField(
            "service_account",
            "Service account JSON key",
            "secret",
            "Paste the whole JSON key file (Google Cloud > IAM > Service accounts > Keys).",
            placeholder='{"type": "service_account", …}',
            mode="service_account",
            multiline=True,
        ),
        FormField(
            "subject",
            "Administrator e-mail (subject)",
            "text",
            "The service account acts as this Workspace administrator, who must be allowed "
            "to read users and groups.",
            placeholder="admin@example.com",
            mode="service_account",
        ),
        FormField("client_id", "OAuth client ID", "text", mode="oauth"),
        FormField("client_secret", "OAuth client secret", "secret", mode="oauth"),
        FormField("refresh_token", "Refresh token", "secret", mode="oauth"),
        FormField(
            "customer",
            "Customer",
            "text",
            "my_customer (the administrator's own account) or a customer ID like C01abc23d.",
            placeholder="my_customer",
        ),
        FormField(
            "flatten_groups",
            "Include members of nested groups",
            "checkbox",
            "Lists each group's members with includeDerivedMembership: the people of "
            "groups inside a group become its members too.",
        ),
        FormField(
            "timeout_seconds",
            "Request timeout (seconds)",
            "number",
            "Per request, above 0 and at most 300.",
            placeholder="30",
            advanced=True,
        ),
        FormField(
            "api_base_url",
            "Directory API base URL",
            "text",
            "Change only to go through a proxy: https:// (http:// only on localhost).",
            placeholder=DEFAULT_API_BASE_URL,
            advanced=True,
        ),
        FormField(
            "token_uri",
            "Token endpoint",
            "text",
            "Where access tokens are obtained; https:// (http:// only on localhost).",
            placeholder=DEFAULT_TOKEN_URI,
            advanced=True,
        ),
    ),
    defaults=_google_defaults,
)


def _ldap_defaults(stored: Mapping[str, Any]) -> Mapping[str, Any]:
    profile = PROFILES.get(str(stored.get("profile") or "openldap"), PROFILES["openldap"])
    return {
        "user_filter": profile.user_filter,
        "group_filter": profile.group_filter,
        "group_base_dn": stored.get("user_base_dn"),
        "page_size": 500,
        "timeout_seconds": 30,
    }


def _filter_hint(kind: str) -> str:
    defaults = "; ".join(f"{name}: {getattr(profile, kind)}" for name, profile in PROFILES.items())
    return f"An LDAP filter (RFC 4515). Empty: the profile's default ({defaults})."


LDAP = ConnectionForm(
    provider="ldap",
    intro=(
        "scimbridge binds with a read-only account and pages through the users and groups "
        "under the base DNs. The server certificate is always verified."
    ),
    fields=(
        FormField(
            "url",
            "Server URL",
            "text",
            "ldaps://host[:port], or ldap://host[:port] with StartTLS below.",
            placeholder="ldaps://ldap.example.com",
        ),
        FormField(
            "profile",
            "Server type",
            "select",
            "Sets the default filters and which attributes hold each field.",
            choices=(
                ("openldap", "OpenLDAP (inetOrgPerson, groupOfNames, posixGroup)"),
                ("active_directory", "Active Directory"),
            ),
        ),
        FormField(
            "bind_dn",
            "Bind DN",
            "text",
            "A read-only service account. Empty: an anonymous bind.",
            placeholder="cn=scimbridge,ou=services,dc=example,dc=com",
        ),
        FormField("bind_password", "Bind password", "secret", "Required with a bind DN."),
        FormField(
            "user_base_dn",
            "User base DN",
            "text",
            "Where users are searched (the whole subtree).",
            placeholder="ou=people,dc=example,dc=com",
        ),
        FormField(
            "group_base_dn",
            "Group base DN",
            "text",
            "Empty: the user base DN.",
            placeholder="ou=groups,dc=example,dc=com",
        ),
        FormField(
            "start_tls",
            "Use StartTLS",
            "checkbox",
            "For ldap:// URLs: upgrade the connection to TLS before binding (RFC 4513 §3).",
        ),
        FormField(
            "ca_cert",
            "CA certificate (PEM)",
            "textarea",
            "The certificate(s) that signed the server's, when not a public CA.",
            placeholder="-----BEGIN CERTIFICATE-----",
        ),
        FormField(
            "flatten_nested_groups",
            "Include members of nested groups",
            "checkbox",
            "A group that is a member of a group gives that group its users.",
        ),
        FormField("user_filter", "User filter", "text", _filter_hint("user_filter"), advanced=True),
        FormField(
            "group_filter", "Group filter", "text", _filter_hint("group_filter"), advanced=True
        ),
        FormField(
            "attribute_map",
            "Attribute overrides",
            "lines",
            "One field = LDAP attribute[, fallback …] per line, e.g. userName = mail. "
            "Fields: " + ", ".join(MAPPABLE_FIELDS) + ".",
            placeholder="userName = mail",
            advanced=True,
            list_values=True,
        ),
        FormField(
            "page_size",
            "Page size",
            "number",
            f"Entries per paged search request (RFC 2696), 1 to {MAX_PAGE_SIZE}.",
            placeholder="500",
            advanced=True,
        ),
        FormField(
            "timeout_seconds",
            "Timeout (seconds)",
            "number",
            "Per operation, 1 to 600.",
            placeholder="30",
            advanced=True,
        ),
        FormField(
            "allow_insecure",
            "Allow plain ldap:// without TLS",
            "checkbox",
            "Sends the bind password unencrypted: for tests and labs only.",
            advanced=True,
        ),
    ),
    defaults=_ldap_defaults,
)

CSV = ConnectionForm(
    provider="csv",
    intro=(
        "A CSV directory receives its data by upload. Its connection only renames the "
        "columns of your files to the documented ones."
    ),
    fields=(
        FormField(
            "header_map",
            "Column names",
            "lines",
            "One file column = documented column per line, e.g. Mail = email. Used by "
            "every upload of this directory.",
            placeholder="Mail = email",
        ),
    ),
)

FORMS: dict[str, ConnectionForm] = {form.provider: form for form in (GOOGLE, LDAP, CSV)}


def form_for(provider: str) -> ConnectionForm | None:
    return FORMS.get(provider)
