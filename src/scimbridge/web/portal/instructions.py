"""Step-by-step setup instructions per provider, as plain data (issue 13 §4).

Field names are quoted exactly as each IdP's own screens name them, from its public
documentation (the ``docs`` of each entry):

* Okta: https://help.okta.com/en-us/content/topics/apps/apps_app_integration_wizard_scim.htm
  and https://developer.okta.com/docs/guides/scim-provisioning-integration-connect/main/
  ("SCIM connector base URL", "Unique identifier field for users", "Supported
  provisioning actions", "Authentication Mode" = "HTTP Header", "Test Connector
  Configuration").
* Entra ID: https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
  ("Provisioning Mode" = "Automatic", "Admin Credentials", "Tenant URL", "Secret Token",
  "Test Connection", "Provisioning Status").
* OneLogin: https://onelogin.service-now.com/support?id=kb_article&sys_id=b2c19353dbde7b804bf67d4d4b961915
  ("SCIM Provisioner with SAML (SCIM v2 Enterprise)", "Configuration", "API Connection",
  "SCIM Base URL", "SCIM Bearer Token", "Enable", "Provisioning" → "Enable provisioning").
* JumpCloud: https://jumpcloud.com/support/configure-scim-for-custom-applications
  ("Identity Management", "SCIM Version", "Base URL", "Token Key", "Test User Email",
  "Test Connection", "Activate").
* PingOne: https://docs.pingidentity.com/pingone/integrations/p1_create_scim_connection.html
  ("Integrations" → "Provisioning", "SCIM Outbound", "SCIM base URL", "Users resource",
  "SCIM version", "Authentication method" = "OAuth 2 Bearer Token", "OAuth Access Token",
  "Test Connection"). PingFederate's SCIM connector:
  https://docs.pingidentity.com/r/en-us/pingfederate-scim-connector/pingfederate_scim_connector_scim_connector_settings_reference
  ("SCIM URL", "SCIM Version", "Authentication Methods", "Access Token").
* Rippling: https://developer.rippling.com/documentation/developer-portal/guides/scim-provisioning
  ("Custom App", "User Management via SCIM", "SCIM version", "SCIM Base URL", "SCIM
  Authorization Method" = "Bearer Token", "Supported SCIM Attributes").
* Google Workspace has no outbound SCIM for custom apps: scimbridge pulls from the Admin
  SDK Directory API with a service account
  (https://developers.google.com/admin-sdk/directory/v1/guides/delegation), which the SaaS
  team configures, not the IT admin.
* Generic SCIM: RFC 7644 §3.1 (the base URL) and RFC 6750 §2.1 (the bearer header).

A field's ``value`` names what to paste: ``scim_base_url`` and ``scim_token`` are
filled in by the page; any other text is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

SCIM_BASE_URL = "scim_base_url"
SCIM_TOKEN = "scim_token"  # noqa: S105 (the name of a value, not a secret)


@dataclass(frozen=True)
class Field:
    label: str  # exactly as the IdP's screen shows it
    value: str  # SCIM_BASE_URL, SCIM_TOKEN, or literal text to enter


@dataclass(frozen=True)
class Step:
    text: str
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Instructions:
    provider: str
    title: str
    docs: tuple[str, ...]
    steps: tuple[Step, ...]
    scim: bool = True  # False: a pull source, nothing for the IT admin to paste


def _f(label: str, value: str) -> Field:
    return Field(label, value)


OKTA = Instructions(
    provider="okta",
    title="Okta",
    docs=(
        "https://help.okta.com/en-us/content/topics/apps/apps_app_integration_wizard_scim.htm",
        "https://developer.okta.com/docs/guides/scim-provisioning-integration-connect/main/",
    ),
    steps=(
        Step(
            "In the Okta Admin Console, open Applications → Applications, select the app "
            "(or create one with SAML 2.0 or OIDC), and on its General tab set "
            "Provisioning to SCIM. Save."
        ),
        Step(
            "Open the Provisioning tab, then Integration → Edit, and fill in:",
            (
                _f("SCIM connector base URL", SCIM_BASE_URL),
                _f("Unique identifier field for users", "userName"),
                _f(
                    "Supported provisioning actions",
                    "Push New Users, Push Profile Updates, Push Groups",
                ),
                _f("Authentication Mode", "HTTP Header"),
                _f("Authorization (Bearer)", SCIM_TOKEN),
            ),
        ),
        Step("Click Test Connector Configuration, then Save."),
        Step(
            "Under Provisioning → To App → Edit, enable Create Users, Update User "
            "Attributes and Deactivate Users. Save, then assign people or groups on the "
            "Assignments tab and push groups on the Push Groups tab."
        ),
    ),
)

ENTRA = Instructions(
    provider="entra",
    title="Microsoft Entra ID",
    docs=(
        "https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups",
    ),
    steps=(
        Step(
            "In the Microsoft Entra admin center, open Enterprise applications → New "
            'application → Create your own application, choose "Integrate any other '
            "application you don't find in the gallery (Non-gallery)\", and create it."
        ),
        Step(
            "Open Provisioning → Get started and fill in:",
            (
                _f("Provisioning Mode", "Automatic"),
                _f("Tenant URL", SCIM_BASE_URL),
                _f("Secret Token", SCIM_TOKEN),
            ),
        ),
        Step("Click Test Connection; when it succeeds, Save."),
        Step(
            "Under Mappings, check the user and group attribute mappings; under Users "
            "and groups, assign who should be provisioned; then set Provisioning Status "
            "to On and Save. Entra runs a cycle about every 40 minutes; Provision on "
            "demand sends one user at once."
        ),
    ),
)

ONELOGIN = Instructions(
    provider="onelogin",
    title="OneLogin",
    docs=(
        "https://onelogin.service-now.com/support?id=kb_article&sys_id=b2c19353dbde7b804bf67d4d4b961915",
    ),
    steps=(
        Step(
            'In OneLogin, open Applications → Add App, search for "SCIM Provisioner '
            'with SAML (SCIM v2 Enterprise)", give it a name and Save.'
        ),
        Step(
            "On the Configuration tab, under API Connection, fill in:",
            (
                _f("SCIM Base URL", SCIM_BASE_URL),
                _f("SCIM Bearer Token", SCIM_TOKEN),
            ),
        ),
        Step("Click Enable next to API Status, then Save."),
        Step(
            "On the Provisioning tab, tick Enable provisioning (and Create user, Delete "
            "user, Update user as wanted), Save, then assign users to the app."
        ),
    ),
)

JUMPCLOUD = Instructions(
    provider="jumpcloud",
    title="JumpCloud",
    docs=("https://jumpcloud.com/support/configure-scim-for-custom-applications",),
    steps=(
        Step(
            "In the JumpCloud Admin Portal, open SSO Applications → Add New Application → "
            'Custom Application, choose "Export users to this app (Identity Management)" '
            "and save it."
        ),
        Step(
            "Open the app's Identity Management tab and fill in:",
            (
                _f("SCIM Version", "SCIM 2.0"),
                _f("Base URL", SCIM_BASE_URL),
                _f("Token Key", SCIM_TOKEN),
                _f("Test User Email", "the e-mail of one user in your JumpCloud directory"),
            ),
        ),
        Step("Click Test Connection; when it succeeds, click Activate, then Save."),
        Step("On the User Groups tab, select the groups to provision and Save."),
    ),
)

PING = Instructions(
    provider="ping",
    title="Ping Identity (PingOne or PingFederate)",
    docs=(
        "https://docs.pingidentity.com/pingone/integrations/p1_create_scim_connection.html",
        "https://docs.pingidentity.com/r/en-us/pingfederate-scim-connector/pingfederate_scim_connector_scim_connector_settings_reference",
    ),
    steps=(
        Step(
            "PingOne: open Integrations → Provisioning, click + → New connection, select "
            "Identity Store → SCIM Outbound, name it and click Next."
        ),
        Step(
            "On Configure authentication, fill in:",
            (
                _f("SCIM base URL", SCIM_BASE_URL),
                _f("Users resource", "/Users"),
                _f("SCIM version", "2.0"),
                _f("Authentication method", "OAuth 2 Bearer Token"),
                _f("OAuth Access Token", SCIM_TOKEN),
                _f("Auth Type Header", "Bearer"),
            ),
        ),
        Step(
            "Click Test Connection, then Next; set Unique user identifier to userName, "
            "save, create a provisioning rule for the users to send, and enable the "
            "connection with its toggle."
        ),
        Step(
            "PingFederate (SCIM connector): in the SP connection's Outbound Provisioning "
            "settings use the same values:",
            (
                _f("SCIM URL", SCIM_BASE_URL),
                _f("SCIM Version", "2.0"),
                _f("Authentication Methods", "OAuth 2 Bearer Token"),
                _f("Access Token", SCIM_TOKEN),
            ),
        ),
    ),
)

RIPPLING = Instructions(
    provider="rippling",
    title="Rippling",
    docs=(
        "https://developer.rippling.com/documentation/developer-portal/guides/scim-provisioning",
    ),
    steps=(
        Step(
            "In Rippling, open the Custom App page (Identity Management), click Create New "
            "App, name it, tick User Management via SCIM, and Continue."
        ),
        Step(
            "Fill in the SCIM settings:",
            (
                _f("SCIM version", "2.0"),
                _f("SCIM Base URL", SCIM_BASE_URL),
                _f("SCIM Authorization Method", "Bearer Token"),
                _f(
                    "Supported SCIM Attributes",
                    "externalId, emails.primary, name.givenName, name.familyName",
                ),
            ),
        ),
        Step(
            "Install the app; when asked, paste the token:",
            (_f("Bearer Token", SCIM_TOKEN),),
        ),
        Step("Choose who gets the app (App Access Rules), then finish the setup."),
    ),
)

GOOGLE = Instructions(
    provider="google",
    title="Google Workspace",
    docs=("https://developers.google.com/admin-sdk/directory/v1/guides/delegation",),
    steps=(
        Step(
            "Google Workspace does not push users over SCIM to custom apps. This directory "
            "pulls your users and groups from Google's Directory API instead."
        ),
        Step(
            "The SaaS team configures that pull with a Google Cloud service account. Your "
            "part as a Google Workspace super admin: in the Admin console, open Security → "
            "Access and data control → API controls → Manage Domain Wide Delegation, and "
            "add the service account's Client ID with the read-only scopes the SaaS team "
            "gives you."
        ),
        Step("Nothing needs pasting here, and no SCIM token is needed."),
    ),
    scim=False,
)

LDAP = Instructions(
    provider="ldap",
    title="LDAP / Active Directory",
    docs=(
        "https://www.rfc-editor.org/rfc/rfc4513#section-5.1.2",
        "https://learn.microsoft.com/en-us/troubleshoot/windows-server/active-directory/useraccountcontrol-manipulate-account-properties",
    ),
    steps=(
        Step(
            "This directory reads your users and groups from your LDAP server or Active "
            "Directory domain controller; nothing is pushed over SCIM."
        ),
        Step(
            "Give the SaaS team: the server address (ldaps:// or ldap:// with StartTLS), the "
            "CA certificate that signed the server's certificate, a read-only bind account "
            "(its DN and password) and the base DNs of your users and groups. Disabled "
            "accounts (Active Directory's userAccountControl ACCOUNTDISABLE bit) arrive as "
            "inactive users."
        ),
        Step("Nothing needs pasting here, and no SCIM token is needed."),
    ),
    scim=False,
)

CSV = Instructions(
    provider="csv",
    title="CSV file",
    docs=("https://www.rfc-editor.org/rfc/rfc4180",),
    steps=(
        Step(
            "This directory is filled from CSV files (for example an HR export) that the "
            "SaaS team imports; nothing is pushed over SCIM."
        ),
        Step(
            "Send the SaaS team a UTF-8 CSV file with a header row and at least the columns "
            "id (a stable employee id) and user_name; email, first_name, last_name, active "
            "and groups are optional. Each import is a full snapshot: people missing from "
            "the file are deactivated (a large drop is held for review)."
        ),
        Step("Nothing needs pasting here, and no SCIM token is needed."),
    ),
    scim=False,
)

GENERIC = Instructions(
    provider="generic",
    title="Any SCIM 2.0 client",
    docs=(
        "https://www.rfc-editor.org/rfc/rfc7644#section-3.1",
        "https://www.rfc-editor.org/rfc/rfc6750#section-2.1",
    ),
    steps=(
        Step(
            "In your identity provider, add a SCIM 2.0 provisioning target and fill in:",
            (
                _f("SCIM base URL (endpoint)", SCIM_BASE_URL),
                _f("Authentication", "Bearer token in the Authorization header"),
                _f("Token", SCIM_TOKEN),
                _f("Unique identifier for users", "userName"),
            ),
        ),
        Step(
            "Run the provider's connection test: it usually sends "
            "GET /ServiceProviderConfig or GET /Users?filter=…, which you will see below."
        ),
    ),
)

BY_PROVIDER: dict[str, Instructions] = {
    item.provider: item
    for item in (OKTA, ENTRA, ONELOGIN, JUMPCLOUD, PING, RIPPLING, GOOGLE, LDAP, CSV)
}


def instructions_for(provider: str) -> Instructions:
    """The provider's own steps; the generic SCIM steps for any other provider."""
    return BY_PROVIDER.get(provider, GENERIC)


def field_label(provider: str, value: str) -> str:
    """What the provider's screen calls the field taking ``value`` (for explanations)."""
    for step in instructions_for(provider).steps:
        for field in step.fields:
            if field.value == value:
                return field.label
    return "the bearer token" if value == SCIM_TOKEN else "the SCIM base URL"
