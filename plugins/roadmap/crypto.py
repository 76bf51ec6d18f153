"""Keys and ciphertext for the internal site; the browser side is assets/unlock.js.

One random content key per build encrypts every page (AES-256-GCM, a random IV per page, the
page's path as associated data). Each password derives a key-encryption key once per build
(PBKDF2-SHA256, 600,000 iterations, a random per-build salt) that wraps the content key.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

ITERATIONS = 600_000
KEY_BYTES = 32
WRAP_AAD = b"roadmap/content-key/v1"
ADDRESS_CONTEXT = b"roadmap/page-addresses/v2"
FORMAT_VERSION = 1


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@dataclass(frozen=True)
class Envelope:
    iv: bytes
    ct: bytes  # ciphertext with the GCM tag at its end

    def to_json(self) -> dict[str, str]:
        return {"iv": b64(self.iv), "ct": b64(self.ct)}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Envelope:
        return cls(unb64(data["iv"]), unb64(data["ct"]))


def derive_key(password: str, salt: bytes, iterations: int = ITERATIONS) -> bytes:
    """PBKDF2-SHA256; the password is NFC-normalised, as unlock.js does, so é types the same."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, iterations=iterations)
    return kdf.derive(unicodedata.normalize("NFC", password).encode("utf-8"))


def _seal(key: bytes, data: bytes, aad: bytes) -> Envelope:
    iv = os.urandom(12)
    return Envelope(iv, AESGCM(key).encrypt(iv, data, aad))


def wrap_key(kek: bytes, content_key: bytes) -> Envelope:
    return _seal(kek, content_key, WRAP_AAD)


def unwrap_key(kek: bytes, wrapped: Envelope) -> bytes:
    """Raises cryptography.exceptions.InvalidTag for a wrong password."""
    return AESGCM(kek).decrypt(wrapped.iv, wrapped.ct, WRAP_AAD)


def encrypt_page(data: bytes, key: bytes, path: str) -> Envelope:
    """Compress, then encrypt; `path` (site-relative, posix) is bound as associated data."""
    return _seal(key, gzip.compress(data, mtime=0), path.encode("utf-8"))


def decrypt_page(envelope: Envelope, key: bytes, path: str) -> bytes:
    """Raises InvalidTag when a byte changed, the key is wrong or the page moved."""
    return gzip.decompress(AESGCM(key).decrypt(envelope.iv, envelope.ct, path.encode("utf-8")))


@dataclass(frozen=True)
class Keyring:
    """One build's keys: the content key and its copy wrapped for each password."""

    salt: bytes
    iterations: int
    content_key: bytes
    wrapped: tuple[Envelope, ...]

    def public_part(self) -> dict:
        """What every encrypted file carries to be opened: no label, no key in clear."""
        return {
            "v": FORMAT_VERSION,
            "kdf": {"name": "PBKDF2-SHA256", "salt": b64(self.salt), "iterations": self.iterations},
            "keys": [w.to_json() for w in self.wrapped],
        }


def make_keyring(passwords: list[str], iterations: int = ITERATIONS) -> Keyring:
    """A fresh content key and salt, wrapped once for each password."""
    salt, content_key = os.urandom(16), AESGCM.generate_key(bit_length=256)
    wrapped = tuple(wrap_key(derive_key(p, salt, iterations), content_key) for p in passwords)
    return Keyring(salt, iterations, content_key, wrapped)


def open_keyring(public_part: dict, password: str) -> bytes | None:
    """The content key for `password`, or None: what unlock.js does, for tests and tools."""
    kdf = public_part["kdf"]
    kek = derive_key(password, unb64(kdf["salt"]), kdf["iterations"])
    for wrapped in public_part["keys"]:
        try:
            return unwrap_key(kek, Envelope.from_json(wrapped))
        except Exception:  # InvalidTag: not this password's copy
            continue
    return None


def address_key(
    password: str, site_salt: bytes, site_name: str, secret: bytes | None = None
) -> bytes:
    """The key behind page addresses, the same on every build while its inputs stay the same.

    With `secret` (ROADMAP_ADDRESS_KEY: random, high entropy) it comes from that alone: an
    address then tells an attacker nothing, and survives a password change. Otherwise it is
    PBKDF2 of the first password, salted with this site's random salt (kept in its repository)
    and its name: an address plus the light site's ids is then a password check that costs
    one full KDF per guess and per site, as the ciphertext does, and no table serves two sites.
    """
    context = ADDRESS_CONTEXT + b"\0" + site_name.encode("utf-8")
    if secret is not None:
        return hmac.new(secret, context, hashlib.sha256).digest()
    if len(site_salt) < 16:
        raise ValueError("a site salt of 16 random bytes or more is needed")
    return derive_key(password, hashlib.sha256(context + b"\0" + site_salt).digest())


def page_token(key: bytes, src_uri: str) -> str:
    """An address that reveals nothing of the page it names, and is the same on every build."""
    return hmac.new(key, src_uri.encode("utf-8"), hashlib.sha256).hexdigest()[:20]
