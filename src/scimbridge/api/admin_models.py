"""Request bodies of the admin API, as pydantic models (they also document the OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Provider = Literal[
    "okta", "entra", "onelogin", "jumpcloud", "ping", "rippling", "generic", "google", "ldap", "csv"
]


class DirectoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    tenant: str = Field(min_length=1, max_length=200)
    provider: Provider
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_secret: str | None = None
    attribute_map: dict[str, str] | None = None
    connection: dict[str, Any] | None = None


class DirectoryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    tenant: str | None = Field(default=None, min_length=1, max_length=200)
    state: Literal["active", "inactive"] | None = None
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_secret: str | None = None
    attribute_map: dict[str, str] | None = None
    connection: dict[str, Any] | None = None
