"""scimbridge: self-hosted Directory Sync (SCIM 2.0 in; users, groups and webhooks out)."""

__version__ = "0.1.0"
