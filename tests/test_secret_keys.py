"""Where the secret key lives: a 0600 key file beside SQLite, never the database.

Run on both databases: first start, restart, the move of an old in-database key, a
process with another key, PostgreSQL without a configured key, and rotation.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from scimbridge import secret_keys
from scimbridge.bootstrap import ensure_credentials
from scimbridge.config import Settings
from scimbridge.secret_keys import KEY_CHECK, LEGACY_SECRET_KEY, SecretKeyError
from scimbridge.secrets_box import SecretBox, legacy_fernet_key
from scimbridge.store import app_settings, migrate, unit_of_work
from scimbridge.store import directories as directory_store
from scimbridge.store.engine import create_db_engine
from tests.conftest import make_settings
from tests.support.postgres import create_database
from tests.support.rows import insert_directory


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def setting(engine: Engine, key: str) -> str | None:
    with unit_of_work.read(engine) as connection:
        return app_settings.get_setting(connection, key)


def put(engine: Engine, key: str, value: str) -> None:
    with unit_of_work.write(engine) as connection:
        app_settings.put_setting(connection, key, value)


def keyless(database_url: str, tmp_path: Path, *, file: bool, **overrides: object) -> Settings:
    """Settings without SCIMBRIDGE_SECRET_KEY; on PostgreSQL with a key file when ``file``."""
    values: dict[str, object] = {"secret_key": None, **overrides}
    if file and not database_url.startswith("sqlite"):
        values["secret_key_file"] = str(tmp_path / "scimbridge.key")
    return make_settings(database_url, **values)


def key_file(settings: Settings) -> Path:
    path = secret_keys.key_file_path(settings)
    assert path is not None
    return path


def store_secret(engine: Engine, directory_id: str, ciphertext: str) -> None:
    insert_directory(
        engine,
        directory_id,
        webhook_url="https://hooks.example.com/x",
        webhook_secret_ciphertext=ciphertext,
        connection_ciphertext=ciphertext,
    )


def stored_ciphertexts(engine: Engine) -> list[str]:
    with unit_of_work.read(engine) as connection:
        rows = directory_store.ciphertexts(connection)
    return [value for _, values in rows for value in values.values()]


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The common default umask, under which SQLite alone would create files 0644."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_first_start_writes_a_0600_key_file_and_no_key_in_the_database(
    engine: Engine, database_url: str, tmp_path: Path, umask_022: None
) -> None:
    settings = keyless(database_url, tmp_path, file=True)
    credentials = ensure_credentials(settings, engine)
    path = key_file(settings)
    if database_url.startswith("sqlite"):
        assert str(path) == database_url.removeprefix("sqlite:///") + ".key"
    assert mode(path) == 0o600
    assert secret_keys.read_key_file(path) is not None
    assert [line for line in path.read_text().splitlines() if not line.startswith("#")] == [
        credentials.secret_key
    ]
    assert setting(engine, LEGACY_SECRET_KEY) is None
    # The database holds only a check value, which the key file's key decrypts.
    check = setting(engine, KEY_CHECK)
    assert check is not None
    assert credentials.secret_key not in check
    # A restart reads the same key.
    again = ensure_credentials(settings, engine)
    assert again.secret_key == credentials.secret_key
    assert again.box().decrypt(credentials.box().encrypt("x")) == "x"


def test_an_old_key_kept_in_the_database_moves_to_the_key_file(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    # A deployment of the previous version: generated key in app_settings, a webhook
    # secret encrypted under the old SHA-256 derivation.
    put(engine, LEGACY_SECRET_KEY, "old-generated-key")
    old = Fernet(legacy_fernet_key("old-generated-key")).encrypt(b"whsec_old").decode()
    store_secret(engine, "directory_old", old)
    settings = keyless(database_url, tmp_path, file=True)
    credentials = ensure_credentials(settings, engine)
    assert credentials.secret_key == "old-generated-key"
    assert "old-generated-key" in key_file(settings).read_text()
    assert mode(key_file(settings)) == 0o600
    assert setting(engine, LEGACY_SECRET_KEY) is None
    assert credentials.box().decrypt(old) == "whsec_old"


def test_an_old_database_key_next_to_a_configured_key_is_kept_until_rotation(
    engine: Engine, database_url: str
) -> None:
    put(engine, LEGACY_SECRET_KEY, "old-generated-key")
    old = Fernet(legacy_fernet_key("old-generated-key")).encrypt(b"whsec_old").decode()
    store_secret(engine, "directory_old", old)
    settings = make_settings(database_url, secret_key="configured-key")
    credentials = ensure_credentials(settings, engine)
    assert credentials.box().decrypt(old) == "whsec_old"
    assert setting(engine, LEGACY_SECRET_KEY) == "old-generated-key"  # nothing lost
    rotation = secret_keys.rotate(settings, engine)
    assert rotation.ciphertexts == 2
    assert setting(engine, LEGACY_SECRET_KEY) is None
    for ciphertext in stored_ciphertexts(engine):
        assert SecretBox("configured-key").decrypt(ciphertext) == "whsec_old"


def test_a_process_with_another_key_refuses_to_start(engine: Engine, database_url: str) -> None:
    ensure_credentials(make_settings(database_url, secret_key="key-a"), engine)
    with pytest.raises(SecretKeyError, match="not the one this database"):
        ensure_credentials(make_settings(database_url, secret_key="key-b"), engine)
    # During a rotation the old key listed as previous is enough.
    both = make_settings(database_url, secret_key="key-b", secret_key_previous="key-a")
    assert ensure_credentials(both, engine).previous_secret_keys == ("key-a",)


def test_a_missing_key_file_is_not_regenerated_for_an_encrypted_database(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    first = keyless(database_url, tmp_path, file=True)
    ensure_credentials(first, engine)
    key_file(first).rename(tmp_path / "elsewhere.key")
    with pytest.raises(SecretKeyError, match="copy the key file"):
        ensure_credentials(first, engine)
    assert not key_file(first).exists()


def test_postgresql_without_a_key_or_key_file_refuses_to_start(
    postgres_admin_url: str, postgres_template: str, tmp_path: Path
) -> None:
    url = create_database(postgres_admin_url, template=postgres_template)
    engine = create_db_engine(url)
    try:
        with pytest.raises(SecretKeyError, match="SCIMBRIDGE_SECRET_KEY_FILE"):
            ensure_credentials(keyless(url, tmp_path, file=False), engine)
        assert setting(engine, KEY_CHECK) is None
    finally:
        engine.dispose()


def test_rotation_with_a_key_file(engine: Engine, database_url: str, tmp_path: Path) -> None:
    settings = keyless(database_url, tmp_path, file=True)
    first = ensure_credentials(settings, engine)
    store_secret(engine, "directory_a", first.box().encrypt("whsec_a"))
    store_secret(engine, "directory_b", first.box().encrypt("whsec_b"))
    # Step 1: a new key goes first in the file; processes restarted now read both.
    path = secret_keys.add_key(settings)
    assert mode(path) == 0o600
    during = ensure_credentials(settings, engine)
    assert during.previous_secret_keys == (first.secret_key,)
    assert during.box().decrypt(stored_ciphertexts(engine)[0]) in ("whsec_a", "whsec_b")
    # Step 2: everything is re-encrypted under the new key, and the old key goes.
    rotation = secret_keys.rotate(settings, engine)
    assert (rotation.directories, rotation.ciphertexts) == (2, 4)
    new_only = SecretBox(during.secret_key)
    assert sorted(new_only.decrypt(c) for c in stored_ciphertexts(engine)) == [
        "whsec_a",
        "whsec_a",
        "whsec_b",
        "whsec_b",
    ]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        first.box().decrypt(stored_ciphertexts(engine)[0])
    after = ensure_credentials(settings, engine)
    assert (after.secret_key, after.previous_secret_keys) == (during.secret_key, ())
    # The old key alone no longer opens this database.
    with pytest.raises(SecretKeyError):
        ensure_credentials(make_settings(database_url, secret_key=first.secret_key), engine)


def test_add_key_refuses_when_the_key_comes_from_the_environment(database_url: str) -> None:
    with pytest.raises(SecretKeyError, match="SCIMBRIDGE_SECRET_KEY_PREVIOUS"):
        secret_keys.add_key(make_settings(database_url, secret_key="k"))


def test_sqlite_database_and_wal_files_are_created_0600(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "fresh.db"
    migrate.upgrade(f"sqlite:///{path}")
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.connect():  # the WAL and shared-memory files exist while it is open
            ensure_credentials(keyless(f"sqlite:///{path}", tmp_path, file=True), engine)
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.key")]
            assert all(f.exists() for f in files), files
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        engine.dispose()
