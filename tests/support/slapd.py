"""A throwaway OpenLDAP ``slapd`` for the LDAP connector tests and the bench.

Like ``postgres.py``: Debian's ``slapd`` (packages ``slapd`` and ``ldap-utils``) runs from
a temporary folder with a generated ``cn=config`` (loaded with ``slapadd -n0``), an mdb
database, the core/cosine/inetorgperson/nis schemas plus ``msuser`` (Microsoft's user and
group classes, shipped by OpenLDAP, so Active Directory-shaped entries can be served), a
CA and a server certificate made with ``cryptography``. It listens on 127.0.0.1 only:
``ldap://`` (StartTLS available) on one port and ``ldaps://`` on another, and stops when
the context ends. Initial entries are bulk-loaded with ``slapadd`` before start.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ldap3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scimbridge.connectors.ldap import VerifiedTls
from tests.support.postgres import free_port

SUFFIX = "dc=example,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis", "msuser")
MODULE_PATH = "/usr/lib/ldap"


def slapd_binaries() -> tuple[str, str] | None:
    """``slapd`` and ``slapadd`` (in /usr/sbin, often not on a user's PATH)."""
    found = []
    for name in ("slapd", "slapadd"):
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if path is None:
            return None
        found.append(path)
    return found[0], found[1]


@dataclass(frozen=True)
class CertificateAuthority:
    certificate_pem: str
    key: ec.EllipticCurvePrivateKey
    name: x509.Name


def make_ca(common_name: str) -> CertificateAuthority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return CertificateAuthority(pem, key, name)


def _server_certificate(ca: CertificateAuthority) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def _config_ldif(root: Path) -> str:
    includes = "\n".join(f"include: file:///etc/ldap/schema/{name}.ldif" for name in SCHEMAS)
    return f"""dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {root}/slapd.pid
olcTLSCACertificateFile: {root}/ca.pem
olcTLSCertificateFile: {root}/server.pem
olcTLSCertificateKeyFile: {root}/server.key

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: {MODULE_PATH}
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{includes}

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcDbDirectory: {root}/data
olcSuffix: {SUFFIX}
olcRootDN: {ADMIN_DN}
olcRootPW: {ADMIN_PASSWORD}
olcDbMaxSize: 4294967296
olcDbNoSync: TRUE
olcDbIndex: objectClass eq
olcDbIndex: entryUUID eq
olcLimits: {{0}}dn.exact="cn=limited,{SUFFIX}" size.soft=50 size.hard=50 size.pr=50
  size.prtotal=50
olcLimits: {{1}}* size.soft=500 size.hard=500 size.pr=unlimited size.prtotal=unlimited
olcAccess: {{0}}to attrs=userPassword by anonymous auth by * none
olcAccess: {{1}}to * by users read by * none
"""


BASE_LDIF = f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: cn=reader,{SUFFIX}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: reader-secret

dn: cn=limited,{SUFFIX}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: limited
userPassword: limited-secret
"""


def write_people_ldif(path: Path, ou: str, count: int) -> Path:
    """An LDIF file of ``ou=<ou>`` and ``count`` inetOrgPerson entries, for slapadd.

    Written line by line so the 100,000-entry bench file never sits in memory."""
    with path.open("w") as out:
        out.write(f"dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}\n\n")
        for number in range(count):
            uid = f"{ou}-{number:06d}"
            out.write(
                f"dn: uid={uid},ou={ou},{SUFFIX}\n"
                "objectClass: inetOrgPerson\n"
                f"uid: {uid}\ncn: Person {number}\nsn: {number}\ngivenName: Person\n"
                f"mail: {uid}@example.test\nemployeeNumber: {number}\n"
                f"departmentNumber: D{number % 20}\ntitle: Engineer\n\n"
            )
    return path


def write_groups_ldif(
    path: Path, ou: str, people_ou: str, people: int, groups: int, members: int
) -> Path:
    """``groups`` groupOfNames under ``ou=<ou>``, each with ``members`` of the
    ``people`` written by :func:`write_people_ldif` (a sliding window, so most people
    are in a few groups)."""
    with path.open("w") as out:
        out.write(f"dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}\n\n")
        for number in range(groups):
            out.write(
                f"dn: cn=group-{number:05d},ou={ou},{SUFFIX}\nobjectClass: groupOfNames\n"
                f"cn: group-{number:05d}\n"
            )
            start = (number * 97) % max(people, 1)
            for offset in range(min(members, people)):
                uid = f"{people_ou}-{(start + offset) % people:06d}"
                out.write(f"member: uid={uid},ou={people_ou},{SUFFIX}\n")
            out.write("\n")
    return path


@dataclass(frozen=True)
class SlapdServer:
    """A running slapd and how to reach it."""

    root: Path
    ldap_port: int
    ldaps_port: int
    ca_pem: str
    started_in: float

    def connection(self, **overrides: Any) -> dict[str, Any]:
        """A connector ``connection`` over StartTLS as the reader account."""
        base: dict[str, Any] = {
            "url": f"ldap://127.0.0.1:{self.ldap_port}",
            "start_tls": True,
            "ca_cert": self.ca_pem,
            "bind_dn": f"cn=reader,{SUFFIX}",
            "bind_password": "reader-secret",
            "user_base_dn": SUFFIX,
            "profile": "openldap",
        }
        base.update(overrides)
        return base

    def admin(self) -> ldap3.Connection:
        """A bound admin connection (StartTLS) for adding and changing entries."""
        tls = VerifiedTls("127.0.0.1", self.ca_pem)
        server = ldap3.Server("127.0.0.1", port=self.ldap_port, tls=tls, get_info=ldap3.NONE)
        connection = ldap3.Connection(server, ADMIN_DN, ADMIN_PASSWORD, raise_exceptions=True)
        connection.open()
        connection.start_tls()
        connection.bind()
        return connection


def _wait_ready(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    """Until slapd accepts connections (then it answers binds: it listens last)."""
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("slapd did not answer within 20 s")
        time.sleep(0.05)


@contextmanager
def slapd_server(ldif: str = "", *, bulk_ldif: Sequence[Path] = ()) -> Iterator[SlapdServer]:
    """Start slapd with ``BASE_LDIF`` + ``ldif`` (and a file, for large loads) loaded."""
    binaries = slapd_binaries()
    if binaries is None:
        raise RuntimeError("slapd not found: install Debian's 'slapd' and 'ldap-utils'")
    slapd, slapadd = binaries
    began = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="scimbridge-slapd-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        (root / "data").mkdir()
        (root / "slapd.d").mkdir()
        ca = make_ca("scimbridge test CA")
        certificate, key = _server_certificate(ca)
        (root / "ca.pem").write_text(ca.certificate_pem)
        (root / "server.pem").write_bytes(certificate)
        (root / "server.key").write_bytes(key)
        os.chmod(root / "server.key", 0o600)
        (root / "config.ldif").write_text(_config_ldif(root))
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
        subprocess.run(
            [slapadd, "-n0", "-F", str(root / "slapd.d"), "-l", str(root / "config.ldif")],
            **quiet,  # type: ignore[call-overload]
        )
        (root / "base.ldif").write_text(BASE_LDIF + "\n" + ldif)
        for source in (root / "base.ldif", *bulk_ldif):
            subprocess.run(
                [slapadd, "-q", "-F", str(root / "slapd.d"), "-b", SUFFIX, "-l", str(source)],
                **quiet,  # type: ignore[call-overload]
            )
        ldap_port, ldaps_port = free_port(), free_port()
        urls = f"ldap://127.0.0.1:{ldap_port}/ ldaps://127.0.0.1:{ldaps_port}/"
        with (root / "slapd.log").open("wb") as log:
            process = subprocess.Popen(
                [slapd, "-d", "0", "-h", urls, "-F", str(root / "slapd.d")],
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        _wait_ready(ldap_port, process, time.monotonic() + 20)
        yield SlapdServer(root, ldap_port, ldaps_port, ca.certificate_pem, time.monotonic() - began)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)
