"""Where the secret key lives, and rotating to a new one.

The key that encrypts webhook secrets and connector credentials must not sit in the
database it protects: whoever copies the database file (a backup, a replica, a support
dump) would read every secret. So the key comes from, in this order:

1. ``SCIMBRIDGE_SECRET_KEY`` (and ``SCIMBRIDGE_SECRET_KEY_PREVIOUS``, comma-separated,
   still accepted for decryption while rotating);
2. a key file: ``SCIMBRIDGE_SECRET_KEY_FILE``, or on SQLite ``<database file>.key`` beside
   the database. It holds one key per line, the current one first. When it does not
   exist on the first start, a random key is written there with mode 0600.

On PostgreSQL with neither set, scimbridge refuses to start rather than generate a key:
several replicas on several hosts would each generate their own (each one's secrets
unreadable to the others), and a key generated inside a container's filesystem is lost
with the container. Naming the file (a mounted secret) or the key is one line of
configuration. A process whose key is not the one the database was encrypted with is
caught at start, not at the first delivery: the database keeps a known plaintext
encrypted under the current key (``secret_key_check``), and every start decrypts it.

Deployments from before this kept a generated key in the database (``app_settings``
row ``secret_key``): it is moved to the key file on the first start (the file is written
and synced before the row is deleted), or kept as a decryption-only key until
``scimbridge secret-key rotate`` when the key comes from the environment.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from scimbridge.config import Settings
from scimbridge.errors import ScimbridgeError
from scimbridge.secrets_box import KEY_CHECK_PLAINTEXT, SecretBox
from scimbridge.store import app_settings, unit_of_work
from scimbridge.store import directories as directory_store
from scimbridge.store.engine import is_sqlite

log = logging.getLogger("scimbridge.secret_keys")

# Names of rows in app_settings, not secrets.
LEGACY_SECRET_KEY = "secret_key"  # noqa: S105
KEY_CHECK = "secret_key_check"
KEY_FILE_SUFFIX = ".key"


class SecretKeyError(ScimbridgeError):
    """The secret key is missing, unreadable or not the database's: start-up stops."""

    code = "secret_key_error"


@dataclass(frozen=True)
class KeyRing:
    """The current key first, then keys still accepted for decryption."""

    keys: tuple[str, ...]
    file: Path | None = None  # the key file the keys came from, if any

    def box(self) -> SecretBox:
        return SecretBox(self.keys[0], self.keys[1:])


def key_file_path(settings: Settings) -> Path | None:
    """The configured key file, else ``<database>.key`` on file-backed SQLite."""
    if settings.secret_key_file:
        return Path(settings.secret_key_file)
    if is_sqlite(settings.database_url):
        database = make_url(settings.database_url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database + KEY_FILE_SUFFIX)
    return None


def _split(value: str | None) -> list[str]:
    return [key.strip() for key in (value or "").split(",") if key.strip()]


def read_key_file(path: Path) -> KeyRing | None:
    """The keys in ``path`` (one per line, ``#`` comments), or None if it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SecretKeyError(f"cannot read the secret key file {path}: {error}") from None
    if mode & 0o077:
        log.warning("the secret key file %s is readable by other users: chmod 600 it", path)
    keys = [line.strip() for line in text.splitlines()]
    keys = [key for key in keys if key and not key.startswith("#")]
    if not keys:
        raise SecretKeyError(f"the secret key file {path} holds no key")
    return KeyRing(tuple(keys), file=path)


def write_key_file(path: Path, keys: list[str], *, replace: bool) -> None:
    """Write ``keys`` to ``path`` with mode 0600, atomically.

    The keys go to a temporary file created 0600 (never readable by others, whatever the
    umask), synced, then linked into place: ``os.link`` fails if ``path`` exists, so of
    two processes creating the file at once exactly one wins; ``replace`` renames over.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(
                "# scimbridge secret key: the first key encrypts, every key decrypts.\n"
                + "".join(f"{key}\n" for key in keys)
            )
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def new_key() -> str:
    return secrets.token_urlsafe(32)


def load(settings: Settings, engine: Engine) -> KeyRing:
    """The keys of this process; first start generates or moves them (module docstring)."""
    try:
        return _load(settings, engine)
    except IntegrityError:
        # Two processes wrote the check row at once on a fresh database; the loser
        # reads the winner's row now (and refuses to start if its key differs).
        return _load(settings, engine)


def _load(settings: Settings, engine: Engine) -> KeyRing:
    path = key_file_path(settings)
    created: Path | None = None
    with unit_of_work.write(engine) as connection:
        legacy = app_settings.get_setting(connection, LEGACY_SECRET_KEY)
        check = app_settings.get_setting(connection, KEY_CHECK)
        if settings.secret_key:
            ring = KeyRing((settings.secret_key, *_split(settings.secret_key_previous)))
        elif path is not None:
            existing = read_key_file(path)
            if existing is None:
                ring = _create(path, legacy, check)
                created = path
            else:
                ring = existing
        elif is_sqlite(settings.database_url):
            # An in-memory database dies with the process, and its key with it.
            ring = KeyRing((legacy or new_key(),))
        else:
            moved = " (the key an older version kept in the database is moved there)"
            raise SecretKeyError(
                "no secret key: on PostgreSQL set SCIMBRIDGE_SECRET_KEY (the same value on "
                "every process) or SCIMBRIDGE_SECRET_KEY_FILE (a file every process reads; "
                f"generated there, mode 0600, if missing{moved if legacy else ''})"
            )
        legacy_kept = legacy is not None and legacy in ring.keys
        if legacy is not None and not legacy_kept:
            log.warning(
                "the secret key kept in the database by an older scimbridge is still used "
                "to decrypt; run 'scimbridge secret-key rotate' to re-encrypt under the "
                "configured key and remove it from the database"
            )
            ring = KeyRing((*ring.keys, legacy), file=ring.file)
        try:
            verify(ring, check)
        except SecretKeyError:
            if created is not None:
                created.unlink(missing_ok=True)
            raise
        if check is None:
            app_settings.put_setting(connection, KEY_CHECK, ring.box().encrypt(KEY_CHECK_PLAINTEXT))
        if legacy_kept:
            # Safe now: the key is in the key file (written and synced) or configured.
            app_settings.delete_setting(connection, LEGACY_SECRET_KEY)
    return ring


def _create(path: Path, legacy: str | None, check: str | None) -> KeyRing:
    if legacy is None and check is not None:
        raise SecretKeyError(
            f"the secret key file {path} is missing, and this database's secrets are "
            "encrypted under a key: copy the key file from the first host (or set "
            "SCIMBRIDGE_SECRET_KEY) instead of letting a new key be generated"
        )
    try:
        write_key_file(path, [legacy or new_key()], replace=False)
    except FileExistsError:
        pass  # another process created it a moment ago; its key is the one
    except OSError as error:
        raise SecretKeyError(f"cannot create the secret key file {path}: {error}") from None
    ring = read_key_file(path)
    assert ring is not None
    return ring


def verify(ring: KeyRing, check: str | None) -> None:
    """Refuse keys that cannot read the database's key check (a different key)."""
    if check is None:
        return
    try:
        matches = ring.box().decrypt(check) == KEY_CHECK_PLAINTEXT
    except ValueError:
        matches = False
    if not matches:
        where = f"the key file {ring.file}" if ring.file else "SCIMBRIDGE_SECRET_KEY"
        raise SecretKeyError(
            f"the secret key from {where} is not the one this database's secrets are "
            "encrypted with; use the same key on every process (during a rotation, list "
            "the old key as a previous key)"
        )


@dataclass(frozen=True)
class Rotation:
    directories: int
    ciphertexts: int


def rotate(settings: Settings, engine: Engine) -> Rotation:
    """Re-encrypt every stored ciphertext under the current key (``secret-key rotate``).

    One transaction: either every ciphertext moves to the current key or none does.
    Afterwards no stored value needs the previous keys, so a key file keeps only the
    current key and an old in-database key is deleted.
    """
    ring = load(settings, engine)
    box = ring.box()
    count = 0
    with unit_of_work.write(engine) as connection:
        rows = directory_store.ciphertexts(connection)
        for directory_id, values in rows:
            rotated = {column: box.rotate(value) for column, value in values.items()}
            directory_store.update_directory(connection, directory_id, rotated)
            count += len(rotated)
        app_settings.put_setting(connection, KEY_CHECK, box.encrypt(KEY_CHECK_PLAINTEXT))
        app_settings.delete_setting(connection, LEGACY_SECRET_KEY)
    # Only once the re-encryption is committed may the old keys go.
    if ring.file is not None and len(ring.keys) > 1:
        try:
            write_key_file(ring.file, [ring.keys[0]], replace=True)
        except OSError as error:  # a read-only mounted secret, say: harmless, say so
            log.warning(
                "every secret is under the first key of %s, but the older keys could not "
                "be removed from it (%s); remove them by hand",
                ring.file,
                error,
            )
    return Rotation(directories=len(rows), ciphertexts=count)


def add_key(settings: Settings) -> Path:
    """Put a new key first in the key file, keeping the others for decryption."""
    if settings.secret_key:
        raise SecretKeyError(
            "the key comes from SCIMBRIDGE_SECRET_KEY: set the new key there and the old "
            "one in SCIMBRIDGE_SECRET_KEY_PREVIOUS instead"
        )
    path = key_file_path(settings)
    ring = read_key_file(path) if path is not None else None
    if path is None or ring is None:
        raise SecretKeyError("there is no secret key file to add a key to")
    try:
        write_key_file(path, [new_key(), *ring.keys], replace=True)
    except OSError as error:
        raise SecretKeyError(f"cannot write the secret key file {path}: {error}") from None
    return path
