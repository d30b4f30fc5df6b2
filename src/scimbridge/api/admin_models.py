"""Request bodies of the admin API, as pydantic models (they also document the OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scimbridge.directory.deprovision import DeprovisionPolicy
from scimbridge.scim.lengths import DIRECTORY_NAME, DIRECTORY_TENANT, WEBHOOK_URL
from scimbridge.scim.limits import document_problem

Provider = Literal[
    "okta", "entra", "onelogin", "jumpcloud", "ping", "rippling", "generic", "google", "ldap", "csv"
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        """NUL, nesting and number limits, as on SCIM bodies (``scim.limits``)."""
        problem = document_problem(data)
        if problem is not None:
            raise ValueError(problem)
        return data


class DirectoryCreate(_Body):
    name: str = Field(min_length=1, max_length=DIRECTORY_NAME.max_length)
    tenant: str = Field(min_length=1, max_length=DIRECTORY_TENANT.max_length)
    provider: Provider
    webhook_url: str | None = Field(default=None, max_length=WEBHOOK_URL.max_length)
    webhook_secret: str | None = None
    attribute_map: dict[str, str] | None = None
    connection: dict[str, Any] | None = None
    deprovision_policy: DeprovisionPolicy | None = None
    sync_interval_seconds: int | None = None
    guard_percent: int | None = None
    guard_min_users: int | None = None
    portal_attribute_allowlist: list[str] | None = None


class DirectoryUpdate(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=DIRECTORY_NAME.max_length)
    tenant: str | None = Field(default=None, min_length=1, max_length=DIRECTORY_TENANT.max_length)
    state: Literal["active", "inactive"] | None = None
    webhook_url: str | None = Field(default=None, max_length=WEBHOOK_URL.max_length)
    webhook_secret: str | None = None
    attribute_map: dict[str, str] | None = None
    connection: dict[str, Any] | None = None
    deprovision_policy: DeprovisionPolicy | None = None
    sync_interval_seconds: int | None = None
    guard_percent: int | None = None
    guard_min_users: int | None = None
    portal_attribute_allowlist: list[str] | None = None
