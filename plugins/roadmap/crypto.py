"""Keys and ciphertext for the internal site; the browser side is assets/unlock.js.

One random content key per build encrypts every page (AES-256-GCM, a random IV per page). The
associated data binds each page to the build and to its path, so a page copied to another address
or into another build does not open. Before encryption the compressed page is padded to a size
bucket, so the size of a page says little about what it holds. Each password gets its own random
salt and derives a key-encryption key (PBKDF2-SHA256, 600,000 iterations) that wraps the content
key: one guess tests one password of one build, never several at once.

Format version 2, as every locked page carries it (JSON):
  {"v": 2, "build": "<build id>", "kdf": {"name": "PBKDF2-SHA256", "iterations": 600000},
   "keys": [{"salt": b64, "iv": b64, "ct": b64}, ...],          (one per password, shuffled)
   "path": "<site-relative path>", "page": {"iv": b64, "ct": b64}}
Page plaintext, before encryption: u32 big-endian length of the gzip data, the gzip data, zeros
up to the bucket size. Associated data: "roadmap/page/v2\n<build>\n<path>"; wrapped keys:
"roadmap/content-key/v2\n<build>".
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import math
import os
import random
import struct
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

ITERATIONS = 600_000
KEY_BYTES = 32
ADDRESS_CONTEXT = b"roadmap/page-addresses/v2"
SALT_BYTES = 16
FORMAT_VERSION = 2
# Padded sizes: 16 KiB, then steps of 2^(1/4) (at most 19% added, 9% on average). Typical item
# pages compress to 5-12 KiB, so they all share the first bucket and their sizes say nothing;
# a 4 KiB start kept a Spearman correlation of 0.89 with the light site's item pages (sample).
SMALLEST_BUCKET = 16 * 1024
# gzip level 6, not 9: much less time for pages 0.4% larger (measured on 400 item pages of the
# benchmark roadmap: none changed bucket).
COMPRESS_LEVEL = 6
BUCKET_GROWTH = 2**0.25


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


def new_build_id(now: datetime | None = None) -> str:
    """A fresh id per build that sorts by build time: '20261128T235501123Z-9f1c2a7be04d'.

    The browser compares ids as strings to refuse a page older than the build it knows; the
    random part keeps two builds of the same millisecond apart.
    """
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{os.urandom(6).hex()}"


def page_aad(build: str, path: str) -> bytes:
    return f"roadmap/page/v{FORMAT_VERSION}\n{build}\n{path}".encode()


def wrap_aad(build: str) -> bytes:
    return f"roadmap/content-key/v{FORMAT_VERSION}\n{build}".encode()


def derive_key(password: str, salt: bytes, iterations: int = ITERATIONS) -> bytes:
    """PBKDF2-SHA256; the password is NFC-normalised, as unlock.js does, so é types the same."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, iterations=iterations)
    return kdf.derive(unicodedata.normalize("NFC", password).encode("utf-8"))


def _seal(key: bytes, data: bytes, aad: bytes) -> Envelope:
    iv = os.urandom(12)
    return Envelope(iv, AESGCM(key).encrypt(iv, data, aad))


def bucket(size: int) -> int:
    """The padded size for `size` bytes: the smallest bucket that holds them."""
    steps, padded = 0, SMALLEST_BUCKET
    while padded < size:
        steps += 1
        padded = math.ceil(SMALLEST_BUCKET * BUCKET_GROWTH**steps)
    return padded


def pad(data: bytes) -> bytes:
    framed = struct.pack(">I", len(data)) + data
    return framed + bytes(bucket(len(framed)) - len(framed))


def unpad(data: bytes) -> bytes:
    (length,) = struct.unpack(">I", data[:4])
    if length > len(data) - 4 or any(data[4 + length :]):
        raise ValueError("bad padding")
    return data[4 : 4 + length]


def compress(data: bytes) -> bytes:
    """A page's bytes as encrypt_page compresses them (the same bytes for the same page)."""
    return gzip.compress(data, COMPRESS_LEVEL, mtime=0)


def encrypt_page(
    data: bytes, key: bytes, path: str, build: str, compressed: bytes | None = None
) -> Envelope:
    """Compress, pad, then encrypt; the build and the site-relative `path` are associated data.
    `compressed`: compress(data), when the caller has it already."""
    return _seal(
        key, pad(compress(data) if compressed is None else compressed), page_aad(build, path)
    )


def encrypt_text(text: str | Iterable[str], key: bytes, path: str, build: str) -> Envelope:
    """encrypt_page of a text's UTF-8 (or of the text its parts make, in order), compressed a
    megabyte of text at a time: the internal search index is tens of megabytes at a few
    thousand items, and its bytes whole beside its text doubled what it held."""
    parts = _megabytes(text) if isinstance(text, str) else text
    gz = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, 31)  # 31: gzip, mtime 0
    out = [gz.compress(part.encode("utf-8")) for part in parts]
    out.append(gz.flush())
    return _seal(key, pad(b"".join(out)), page_aad(build, path))


def _megabytes(text: str) -> Iterator[str]:
    step = 1 << 20
    for start in range(0, len(text), step):
        yield text[start : start + step]


def decrypt_page(envelope: Envelope, key: bytes, path: str, build: str) -> bytes:
    """Raises InvalidTag when a byte changed, the key is wrong, or the page moved or is from
    another build."""
    padded = AESGCM(key).decrypt(envelope.iv, envelope.ct, page_aad(build, path))
    return gzip.decompress(unpad(padded))


@dataclass(frozen=True)
class WrappedKey:
    """The content key wrapped for one password, with that password's own salt."""

    salt: bytes
    envelope: Envelope

    def to_json(self) -> dict[str, str]:
        return {"salt": b64(self.salt), **self.envelope.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> WrappedKey:
        return cls(unb64(data["salt"]), Envelope.from_json(data))


@dataclass(frozen=True)
class Keyring:
    """One build's keys: its id, the content key and its copy wrapped for each password."""

    build: str
    iterations: int
    content_key: bytes
    wrapped: tuple[WrappedKey, ...]
    # "LINK": an account site's, wrapped once with the random key its link carries (no KDF:
    # that key is 256 random bits, nothing to stretch).
    kdf: str = "PBKDF2-SHA256"

    def public_part(self) -> dict:
        """What every locked page carries to be opened: no label, no key in clear."""
        return {
            "v": FORMAT_VERSION,
            "build": self.build,
            "kdf": {"name": self.kdf, "iterations": self.iterations},
            "keys": [w.to_json() for w in self.wrapped],
        }


def make_keyring(
    passwords: list[str], iterations: int = ITERATIONS, build: str | None = None
) -> Keyring:
    """A fresh build id and content key, wrapped once for each password under its own salt.

    The copies are shuffled: their order says nothing of which team's line is which.
    """
    build = build or new_build_id()
    content_key = AESGCM.generate_key(bit_length=256)
    wrapped = []
    for password in passwords:
        salt = os.urandom(SALT_BYTES)
        kek = derive_key(password, salt, iterations)
        wrapped.append(WrappedKey(salt, _seal(kek, content_key, wrap_aad(build))))
    random.SystemRandom().shuffle(wrapped)
    return Keyring(build, iterations, content_key, tuple(wrapped))


LINK_KDF = "LINK"


def make_link_keyring(link_key: bytes, build: str | None = None) -> Keyring:
    """A fresh build id and content key, wrapped with the key an account's link carries."""
    if len(link_key) != KEY_BYTES:
        raise ValueError("a link key is 32 bytes")
    build = build or new_build_id()
    content_key = AESGCM.generate_key(bit_length=256)
    wrapped = WrappedKey(b"", _seal(link_key, content_key, wrap_aad(build)))
    return Keyring(build, 0, content_key, (wrapped,), kdf=LINK_KDF)


def open_link_keyring(public_part: dict, link_key: bytes) -> bytes | None:
    """The content key for a link's key, or None: what unlock.js does, for tests and tools."""
    for data in public_part["keys"]:
        env = WrappedKey.from_json(data).envelope
        try:
            return AESGCM(link_key).decrypt(env.iv, env.ct, wrap_aad(public_part["build"]))
        except Exception:  # InvalidTag: another link's key
            continue
    return None


def open_keyring(public_part: dict, password: str) -> bytes | None:
    """The content key for `password`, or None: what unlock.js does, for tests and tools."""
    iterations, build = public_part["kdf"]["iterations"], public_part["build"]
    for data in public_part["keys"]:
        wrapped = WrappedKey.from_json(data)
        kek = derive_key(password, wrapped.salt, iterations)
        try:
            env = wrapped.envelope
            return AESGCM(kek).decrypt(env.iv, env.ct, wrap_aad(build))
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
