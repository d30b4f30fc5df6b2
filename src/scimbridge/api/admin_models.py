"""Request bodies of the admin API, as pydantic models (they also document the OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scimbridge.api.bodies import contains_nul
from scimbridge.directory.deprovision import DeprovisionPolicy

Provider = Literal[
    "okta", "entra", "onelogin", "jumpcloud", "ping", "rippling", "generic", "google", "ldap", "csv"
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if contains_nul(data):
            raise ValueError("a NUL character (\\u0000) is not allowed in any value")
        return data


class DirectoryCreate(_Body):
    name: str = Field(min_length=1, max_length=200)
    tenant: str = Field(min_length=1, max_length=200)
    provider: Provider
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_secret: str | None = None
    attribute_map: dict[str, str] | None = None
    connection: dict[str, Any] | None = None
    deprovision_policy: DeprovisionPolicy | None = None
    sync_interval_seconds: int | None = None
    guard_percent: int | None = None
    guard_min_users: int | None = None


class DirectoryUpdate(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    tenant: str | None = Field(default=None, min_length=1, max_length=200)
    state: Literal["active", "inactive"] | None = None
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_secret: str | None = None
    attribute_map: dict[str, str] | None = None
    connection: dict[str, Any] | None = None
    deprovision_policy: DeprovisionPolicy | None = None
    sync_interval_seconds: int | None = None
    guard_percent: int | None = None
    guard_min_users: int | None = None
