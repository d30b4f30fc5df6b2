"""Process-wide settings kept in the database: the admin token hash and the secret key."""

from __future__ import annotations

from sqlalchemy import Connection, select

from scimbridge.store.tables import app_settings


def get_setting(connection: Connection, key: str) -> str | None:
    return connection.execute(
        select(app_settings.c.value).where(app_settings.c.key == key)
    ).scalar()


def put_setting(connection: Connection, key: str, value: str) -> None:
    updated = connection.execute(
        app_settings.update().where(app_settings.c.key == key).values(value=value)
    ).rowcount
    if not updated:
        connection.execute(app_settings.insert().values(key=key, value=value))


def setting_or_create(connection: Connection, key: str, value: str) -> tuple[str, bool]:
    """The stored value, or ``value`` stored now; the flag says whether it was created."""
    existing = get_setting(connection, key)
    if existing is not None:
        return existing, False
    connection.execute(app_settings.insert().values(key=key, value=value))
    return value, True


def delete_setting(connection: Connection, key: str) -> None:
    connection.execute(app_settings.delete().where(app_settings.c.key == key))


def get_settings(connection: Connection, keys: list[str]) -> dict[str, str]:
    """Several settings in one query (absent ones are missing from the answer)."""
    rows = connection.execute(
        select(app_settings.c.key, app_settings.c.value).where(app_settings.c.key.in_(keys))
    )
    return {key: value for key, value in rows}
