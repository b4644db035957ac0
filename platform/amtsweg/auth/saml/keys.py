"""A town's service provider keys: PEM files in ``<SAML_KEY_DIR>/<slug>/``, never in the repository.

``signing.key`` + ``signing.crt`` sign requests. A rollover publishes the next certificate first
(``signing-next.crt``), then makes it ``signing.crt`` and keeps the old one published for a while
(``signing-previous.crt``): every ``signing-*.crt`` is published in the metadata. Every
``encryption*.key`` + ``.crt`` pair is published and tried when decrypting, so an IdP may encrypt
for the old or the new key during a rollover.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import current_app

from amtsweg.auth.saml import SamlUnavailable

KEY_BITS = 3072
CERTIFICATE_DAYS = 3 * 365


class KeysMissing(SamlUnavailable):
    """The town's key folder lacks a file the service provider needs (message for the log)."""


@dataclass(frozen=True)
class KeyPair:
    key: Path
    cert: Path


@dataclass(frozen=True)
class SpKeys:
    signing: KeyPair
    # Further signing certificates published in the metadata (key rollover).
    published_signing_certs: tuple[Path, ...]
    encryption: tuple[KeyPair, ...]


def key_folder(slug: str) -> Path:
    """The folder of a town's keys (``SAML_KEY_DIR``, default ``<INSTANCE_DIR>/saml``)."""
    config = current_app.config
    return Path(config["SAML_KEY_DIR"] or Path(config["INSTANCE_DIR"]) / "saml") / slug


def load_sp_keys(folder: Path) -> SpKeys:
    """The key pairs in ``folder``; KeysMissing names what is not there."""
    signing = KeyPair(folder / "signing.key", folder / "signing.crt")
    encryption = tuple(
        KeyPair(key, key.with_suffix(".crt")) for key in sorted(folder.glob("encryption*.key"))
    )
    missing = [path for pair in (signing, *encryption) for path in (pair.key, pair.cert) if not path.is_file()]
    if missing:
        raise KeysMissing(f"SAML key files missing: {', '.join(str(path) for path in missing)}")
    if not encryption:
        raise KeysMissing(f"no encryption key (encryption.key + encryption.crt) in {folder}")
    return SpKeys(signing, tuple(sorted(folder.glob("signing-*.crt"))), encryption)


def create_missing_keys(folder: Path, common_name: str) -> list[Path]:
    """Create a self-signed signing and encryption key pair where none exists; returns the new files."""
    created: list[Path] = []
    for name in ("signing", "encryption"):
        pair = KeyPair(folder / f"{name}.key", folder / f"{name}.crt")
        if pair.key.exists() or pair.cert.exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        write_key_pair(pair, f"{common_name} ({name})")
        created += [pair.key, pair.cert]
    return created


def write_key_pair(pair: KeyPair, common_name: str) -> None:
    """An RSA key (readable by the owner only) and a self-signed certificate for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pair.key.touch(mode=0o600, exist_ok=False)
    pair.key.write_bytes(pem)
    pair.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def certificate_fingerprint(der: bytes) -> str:
    """SHA-256 of a certificate's DER bytes, lower-case hex (how fingerprints are pinned)."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return digest.finalize().hex()


def normalise_fingerprint(value: str) -> str:
    """Accept ``AB:CD:…``, ``abcd…`` or ``sha256:…`` as written by openssl or the IdP."""
    return value.strip().lower().removeprefix("sha256:").replace(":", "").replace(" ", "")
