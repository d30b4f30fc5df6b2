"""Helpers for the tests of one Alembic revision, down and up."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from scimbridge.store import migrate


def parent_of(url: str, revision: str) -> str:
    """The revision ``revision`` downgrades to, read from the scripts rather than written
    into the test: the chain may be re-ordered when branches merge."""
    script = ScriptDirectory.from_config(migrate.alembic_config(url)).get_revision(revision)
    assert script is not None, revision
    return str(script.down_revision)
