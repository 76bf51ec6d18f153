"""Sharing case by case: the share key, each account's live approvals and its link, and what
the internal site lists of them. Pure: no MkDocs, no files.

An account with at least one live approval (share_with, accounts.yml) gets a site of its own
(account_site.py, built by account_builds.py): the light site plus the items shared with it,
sealed with a key that travels in the link's fragment (`#k=...`, never sent to a host).

The link is derived, never stored: HKDF-SHA256 of ROADMAP_SHARE_KEY over the account id, its
link_version and its live approvals (item ids and `on` dates). It is the same from build to
build, and changes when an approval ends or is removed, when link_version is raised, and also
when one is added: a derivation without state cannot tell an addition from a removal. The old
link then opens nothing: its folder is gone and its key opens no other.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .audience import Secret, shared_items
from .model import HIDDEN_STATUSES, Account, Approval, Item, Roadmap, account_id
from .problems import Problem

SHARE_KEY_ENV = "ROADMAP_SHARE_KEY"
MIN_KEY_BYTES = 32
# zxcvbn rates random base64 of 32 bytes at 10^43 guesses (its brute-force ceiling, one digit a
# character) and a sentence of dictionary words at 10^35 or less, though both decode to 32 bytes.
# HKDF does not stretch the key, so a link is only as strong as the text it came from.
MIN_KEY_GUESSES_LOG10 = 40
ACCOUNTS_DIR = "accounts"  # site/accounts/<folder>/, next to the light site
EXPIRING_DAYS = 30  # "Expiring soon": approvals that end within this many days
_CONTEXT = b"roadmap/account-link/v1"
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+$")


# --- The share key ------------------------------------------------------------------------------


def new_share_key() -> str:
    """A fresh ROADMAP_SHARE_KEY: 32 random bytes, base64url."""
    return base64.urlsafe_b64encode(os.urandom(MIN_KEY_BYTES)).decode("ascii").rstrip("=")


def read_share_key(environ=os.environ) -> tuple[bytes | None, list[Problem]]:
    """ROADMAP_SHARE_KEY as bytes; None when unset. A key that is not hex or base64 of 32
    random bytes or more is a problem: every link would be as weak as it."""
    text = environ.get(SHARE_KEY_ENV, "").strip()
    if not text:
        return None, []
    hint = "run `roadmap share-key` for a new one and store it as a CI secret"
    key = _decode(text)
    if key is None:
        return None, [
            Problem(Path(SHARE_KEY_ENV), 1, "not hex or base64: a share key is random bytes", hint)
        ]
    if len(key) < MIN_KEY_BYTES:
        return None, [
            Problem(
                Path(SHARE_KEY_ENV),
                1,
                f"too short: {len(key)} bytes; a share key needs {MIN_KEY_BYTES} random bytes",
                hint,
            )
        ]
    if len(set(key)) < len(key) // 4:  # "aaaa...", a repeated word: not random
        return None, [Problem(Path(SHARE_KEY_ENV), 1, "not random: its bytes repeat", hint)]
    from zxcvbn import zxcvbn  # imported late: it loads its word lists on import

    guesses = zxcvbn(text[:100])["guesses_log10"]
    if guesses < MIN_KEY_GUESSES_LOG10:  # letters of a passphrase read as base64
        return None, [
            Problem(
                Path(SHARE_KEY_ENV),
                1,
                f"chosen by a person, not random: about 10^{guesses:.0f} guesses "
                f"(random bytes: 10^{MIN_KEY_GUESSES_LOG10} or more)",
                hint,
            )
        ]
    return key, []


def _decode(text: str) -> bytes | None:
    if _HEX.match(text):
        return bytes.fromhex(text)
    padded = text + "=" * (-len(text) % 4)
    standard = padded.replace("-", "+").replace("_", "/")  # base64url reads as base64
    try:
        return base64.b64decode(standard.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


# --- Approvals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shared:
    """One item shared with one account, and the approval that shares it."""

    item: Item
    approval: Approval


def approvals(roadmap: Roadmap, account: str) -> list[Shared]:
    """Every approval for `account`, live or not, by item title."""
    found = [
        Shared(item, a) for item in roadmap.items for a in item.share_with if a.account == account
    ]
    return sorted(found, key=lambda s: (s.item.title.casefold(), s.item.id))


def live_approvals(roadmap: Roadmap, account: str) -> list[Shared]:
    """The approvals that put an item on the account's site on the build date."""
    shown = {i.path for i in shared_items(roadmap, account)}
    return [
        s
        for s in approvals(roadmap, account)
        if s.item.path in shown and s.approval.live(roadmap.today)
    ]


def expiring(roadmap: Roadmap, days: int = EXPIRING_DAYS) -> list[tuple[Account, Shared]]:
    """Live approvals whose `until` falls within `days` of the build date, soonest first."""
    if roadmap.today is None:
        return []
    last = roadmap.today + timedelta(days=days)
    out = [
        (account, s)
        for account in roadmap.accounts
        for s in live_approvals(roadmap, account.id)
        if s.approval.until is not None and s.approval.until <= last
    ]
    return sorted(out, key=lambda x: (x[1].approval.until, x[0].name.casefold(), x[1].item.id))


# --- Links --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountLink:
    """Where an account's site lives and the key that opens it, for one set of approvals."""

    account: Account
    folder: str  # 32 hex digits: says nothing of the account
    key: bytes  # 32 bytes: wraps the site's content key; in the link's fragment
    addresses: bytes  # keys the page addresses inside the folder (crypto.page_token)
    shared: tuple[Shared, ...]

    @property
    def path(self) -> str:
        return f"{ACCOUNTS_DIR}/{self.folder}/"

    @property
    def fragment(self) -> str:
        return "#k=" + base64.urlsafe_b64encode(self.key).decode("ascii").rstrip("=")

    def url(self, site_url: str | None) -> str:
        """The link to send: absolute under the light site's address when known."""
        base = site_url.rstrip("/") + "/" if site_url else ""
        return base + self.path + self.fragment


def account_link(roadmap: Roadmap, account: Account, share_key: bytes) -> AccountLink | None:
    """The account's link today, or None when nothing is shared with it today."""
    shared = live_approvals(roadmap, account.id)
    if not shared:
        return None
    state = "\n".join(
        [account.id, str(account.link_version)]
        + sorted(f"{s.item.id} {s.approval.on.isoformat()}" for s in shared)
    ).encode("utf-8")

    def derive(purpose: bytes, length: int) -> bytes:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_CONTEXT, info=purpose + state)
        return hkdf.derive(share_key)

    return AccountLink(
        account=account,
        folder=derive(b"folder\n", 16).hex(),
        key=derive(b"key\n", 32),
        addresses=derive(b"addresses\n", 32),
        shared=tuple(shared),
    )


def account_links(roadmap: Roadmap, share_key: bytes | None) -> dict[str, AccountLink]:
    """Every account with a live approval, by id; none without a share key."""
    if share_key is None:
        return {}
    links = {a.id: account_link(roadmap, a, share_key) for a in roadmap.accounts}
    return {k: v for k, v in links.items() if v is not None}


def brief_links(roadmap: Roadmap, light_site_url: str | None) -> dict[str, str]:
    """Each account's link as the internal site's briefs show it, from ROADMAP_SHARE_KEY; none
    without a valid key (an invalid one stops `roadmap build` before any site is built)."""
    key, problems = read_share_key()
    if problems:
        return {}
    return {k: link.url(light_site_url) for k, link in account_links(roadmap, key).items()}


# --- The audit's secrets -----------------------------------------------------------------------


def own_name(secret: Secret, account: Account) -> bool:
    """A secret that names this account (its name, its id, a customer entry for it): its
    own site greets it by name."""
    return secret.word == account.id or account_id(secret.word) == account_id(account.name)


@dataclass(frozen=True)
class ShareLine:
    """An approval as the internal site lists it: the account's name and where it stands."""

    account: str  # its id
    name: str
    approval: Approval
    state: str  # "Shared now", "Ended", "From <day>"


def share_lines(item: Item, accounts: Iterable[Account], today: date | None) -> list[ShareLine]:
    """Each approval of one item, for its internal page and the playbook."""
    names = {a.id: a.name for a in accounts}
    out = []
    for a in item.share_with:
        if item.status in HIDDEN_STATUSES:
            state = f"Not shown while {item.status}"
        elif today is not None and a.live(today):
            state = "Shared now"
        elif today is not None and a.on > today:
            state = f"From {a.on.day} {a.on:%B %Y}"
        else:
            state = "Ended"
        out.append(ShareLine(a.account, names.get(a.account, a.account), a, state))
    return out


@dataclass(frozen=True)
class AccountSharing:
    """What is shared with one account, for its brief and the playbook: every approval, with
    the item, and the link to send (None without a share key, or with nothing live)."""

    account: Account
    shares: tuple[tuple[Item, ShareLine], ...]
    link: str | None

    @property
    def live(self) -> list[tuple[Item, ShareLine]]:
        return [(i, s) for i, s in self.shares if s.state == "Shared now"]


def sharing(
    items: Iterable[Item], accounts: Iterable[Account], today: date | None, links: dict[str, str]
) -> list[AccountSharing]:
    """Every account in accounts.yml, by name, with what is shared with it."""
    accounts = list(accounts)
    found: dict[str, list[tuple[Item, ShareLine]]] = {a.id: [] for a in accounts}
    for item in items:
        for line in share_lines(item, accounts, today):
            found.setdefault(line.account, []).append((item, line))
    return [
        AccountSharing(
            a,
            tuple(sorted(found[a.id], key=lambda x: (x[0].title.casefold(), x[0].id))),
            links.get(a.id),
        )
        for a in sorted(accounts, key=lambda a: (a.name.casefold(), a.id))
    ]


def ending_soon(
    sharings: Iterable[AccountSharing], today: date | None, days: int = EXPIRING_DAYS
) -> list[tuple[AccountSharing, Item, ShareLine]]:
    """Live approvals that end within `days` of `today`, soonest first."""
    if today is None:
        return []
    last = today + timedelta(days=days)
    out = [
        (s, item, line)
        for s in sharings
        for item, line in s.live
        if line.approval.until is not None and line.approval.until <= last
    ]
    return sorted(out, key=lambda x: (x[2].approval.until, x[0].account.name.casefold()))
