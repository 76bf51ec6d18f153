"""An account's site: planned and audited as the light site, sealed as the internal one with the
key its link carries (accounts.py derives the link). No MkDocs here: plugin.py hands it paths.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .accounts import AccountLink, own_name
from .audience import View
from .crypto import make_link_keyring
from .model import Roadmap
from .seal import BUILD_FILE, SEARCH_INDEX, SealError, verify_sealed
from .sites import INTERNAL_DROPPED_FEATURES, PUBLIC_DROPPED_FEATURES, InternalSite, Rejected
from .sites import PublicSite as LightAudit
from .staging import StagingError, crash_point, scratch


class AccountSite(InternalSite):
    """Planned and audited as the light site (`light`: its audit, with this account's view
    and secrets), sealed as the internal site with the link's key.

    MkDocs writes only locked pages into the site; the plaintext of each page and of the
    search index is kept in memory, written to a private scratch folder for the audit in
    finish(), and removed with it.
    """

    audience = "account"
    dropped_features = PUBLIC_DROPPED_FEATURES + INTERNAL_DROPPED_FEATURES

    def __init__(
        self,
        light: LightAudit,
        roadmap: Roadmap,
        view: View,
        link: AccountLink,
        private: Path,
        help_text: str = "",
    ):
        super().__init__(None, help_text=help_text)
        self.keyring = make_link_keyring(link.key)
        self.addresses = link.addresses
        self.link, self.private, self.light = link, private, light
        # Every account is a secret of the light site (audience.light_site_secrets): all
        # but this one stay secrets here. Its name is public text of its own site.
        light.secrets = [s for s in light.secrets if not own_name(s, link.account)]
        light.public_text.append(link.account.name)
        self.plaintext: dict[str, str] = {}
        self.view = view

    def seal_page(self, html: str, path: str, *args: Any, **kwargs: Any) -> str:
        # Whatever else the internal site's pages are sealed with passes through as it is.
        self.plaintext[path] = html
        return super().seal_page(html, path, *args, **kwargs)

    def seal_search_index(self, text: str | Iterable[str]) -> str:
        # Whole: the audit reads it (an account's site holds its shared items only).
        self.plaintext[SEARCH_INDEX] = text = text if isinstance(text, str) else "".join(text)
        return super().seal_search_index(text)

    def finish(
        self,
        site: Path,
        expected: set[str],
        trusted: set[tuple[str, str]],
        machine_made: Iterable[str],
    ) -> None:
        """The light site's checks on the plaintext, then the internal site's on the sealed."""
        try:
            with scratch(self.private, "account-audit") as folder:
                self._plaintext_copy(site, folder)
                crash_point("account-audit")  # the tests kill here: plaintext on disk
                self.light.finish(folder, expected, trusted, machine_made)
        except StagingError as e:
            raise Rejected(self._not_published(str(e))) from None
        except Rejected as e:
            found = str(e).rsplit("\n", 1)[0]  # its last line speaks of the light site
            raise Rejected(self._not_published(found)) from None
        media = {
            (p.relative_to(site).as_posix(), _sha256(p))
            for p in site.rglob("*")
            if p.is_file() and p.relative_to(site).parts[0] == "media"
        }
        try:
            self.pages = verify_sealed(
                site,
                self.keyring,
                trusted | media,
                self.policies,
                help_text=self.help_text,
                preloads=self.preloads,
            )
        except SealError as e:
            raise Rejected(self._not_published(str(e))) from None

    def _plaintext_copy(self, site: Path, folder: Path) -> None:
        """The site as it would be in clear: what the audit reads."""
        for path in sorted(p for p in site.rglob("*") if p.is_file()):
            rel = path.relative_to(site).as_posix()
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel in self.plaintext:
                target.write_text(self.plaintext[rel], encoding="utf-8")
            elif rel != BUILD_FILE:
                shutil.copyfile(path, target)
        missing = set(self.plaintext) - {
            p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
        }
        if missing:  # a page sealed but not written: nothing to audit it against
            raise Rejected(f"{sorted(missing)[0]}: sealed but not in the site")

    def _not_published(self, problem: str) -> str:
        return (
            f"{problem}\nThe site of the account '{self.link.account.id}' was not published; "
            "every previous site is untouched."
        )

    def summary(self) -> str:
        return f"{self.pages} pages audited and encrypted for {self.link.account.id}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shared_only_files(view: View, light: View) -> list[Path]:
    """Files only the items shared with an account use: they would be readable without the
    link's key (media are published beside the pages, in clear)."""
    return sorted(view.files - light.files)
