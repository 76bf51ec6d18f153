"""What differs between the two sites once pages are planned: the light site is audited, the
internal one sealed. Neither imports MkDocs; plugin.py hands them paths and names.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from . import pages
from .addresses import AddressSecret
from .audience import View, light_site_passages, light_site_secrets
from .audit import audit
from .crypto import address_key, make_keyring, page_token
from .integrity import content_security_policy, script_hash, theme_preloads
from .model import Roadmap
from .passwords import Credential
from .problems import Problem
from .seal import (
    NOT_FOUND,
    SealError,
    build_file,
    seal_index,
    seal_page,
    shell_policy,
    verify_sealed,
)

# Features that would put the repository on the light site, or fetch pages the internal site
# cannot serve in clear (instant navigation parses the next page's HTML: a locked page there),
# or put what sales search for in the host's access log (highlight adds ?h=<terms> to links).
PUBLIC_DROPPED_FEATURES = ("content.action.edit", "content.action.view")
INTERNAL_DROPPED_FEATURES = (
    "navigation.instant",
    "navigation.instant.prefetch",
    "navigation.instant.progress",
    "navigation.instant.preview",
    "search.highlight",
)

# Files the build writes under fixed names: their names say nothing of the content.
MACHINE_MADE = (
    "search/search_index.json",
    "sitemap.xml",
    "sitemap.xml.gz",
    "404.html",
    "roadmap.json",
    "roadmap.schema.json",
    "index.html",
)


def theme_settings(
    audience: str,
    disclaimer: str,
    today,
    directory_urls: bool,
    request: str | None,
    *,
    sealed: bool,
    preview: bool = False,
) -> dict:
    """`config.extra.roadmap`, what overrides/ read (see overrides/main.html): the same for
    every engine, set by the plugin or written into the render-only engine's config."""
    public = audience == "public"
    return {
        "audience": audience,
        "disclaimer": disclaimer if public else "",
        "updated": f"{today.day} {today:%B %Y}",
        "preview": preview and not public,
        "sealed": sealed,
        "feed": "feed.xml" if public else None,
        "changes": "changes/" if directory_urls else "changes.html",
        "problems": [],
        "request": request if public else None,
    }


class Rejected(Exception):
    """The built site must not be published; the message says why, one problem per line."""


class PublicSite:
    audience = "public"
    dropped_features = PUBLIC_DROPPED_FEATURES
    sealed = False

    def __init__(
        self,
        roadmap: Roadmap,
        confidential_terms: list[str],
        audit_allow: list[str],
        fixed_text: Iterable[str] = (),
        theme_dirs: Iterable[Path] = (),
        shown: View | None = None,
    ):
        """`fixed_text`: what the site shows whatever the content (the disclaimer, the site's
        name...); `theme_dirs`: the theme's templates, whose words are public too; `shown`:
        the view built, when not the light site's (an account's site: accounts.py)."""
        self.secrets = light_site_secrets(roadmap, confidential_terms, shown)
        self.passages = light_site_passages(roadmap, shown)
        self.public_text = [
            *self.passages.public,
            *fixed_text,
            *template_text((_TEMPLATES, *theme_dirs)),
            *_LABELS,
        ]
        self.audit_allow = audit_allow

    def address(self, src_uri: str) -> str | None:
        """The light site keeps MkDocs' own addresses."""
        return None

    def policy(self, page_scripts: set[str]) -> str:
        """The Content-Security-Policy of a page whose theme wrote `page_scripts` inline."""
        return content_security_policy(map(script_hash, page_scripts), sealed=False)

    def finish(
        self,
        site: Path,
        expected: set[str],
        trusted: set[tuple[str, str]],
        machine_made: Iterable[str],
    ) -> None:
        """The allow-list at file level, then the leak audit; raises Rejected."""
        problems = [str(p) for p in unexplained(site, expected)]
        problems += [
            f"{m.path}:{m.line}: a browser reads the raw HTML of this body otherwise than the "
            f"build does: the light site would show '{m.text}', which the internal site shows "
            "inside an internal element; close each element with the class internal in the "
            "paragraph or block it opens in, or use an '!!! internal' block"
            for m in self.passages.misread
        ]
        problems += [
            f"{m.path}:{m.line}: '{m.text}' shows on the light site as text (inside code, or in "
            "a syntax this Markdown does not read as a block), with what follows it: start an "
            "internal block with '!!! internal' at the beginning of a line, its text indented "
            "by four spaces; to show the syntax itself, do it on an internal page"
            for m in self.passages.heads_shown
        ]
        findings = audit(
            site,
            self.secrets,
            self.audit_allow,
            trusted,
            machine_made,
            internal=self.passages.internal,
            public=self.public_text,
        )
        problems += [str(f) for f in findings]
        if problems:
            raise Rejected(
                "\n".join(problems) + "\nThe light site was not published; "
                "the previous one is untouched."
            )

    def summary(self) -> str:
        return "audited"


def site_address_key(password: str, addresses: AddressSecret, site_name: str) -> bytes:
    """The internal site's page-address key (crypto.address_key: from the first password, or
    from ROADMAP_ADDRESS_KEY alone). Derived once per process: `roadmap build` needs it before
    the sites are built (it keys what is kept between builds: builds.keep_between_builds) and
    the internal site's build, in the same process, again."""
    return _address_key(password, addresses.salt or b"", site_name, addresses.key)


@functools.lru_cache(maxsize=4)
def _address_key(password: str, salt: bytes, site_name: str, secret: bytes | None) -> bytes:
    return address_key(password, salt, site_name, secret=secret)


class InternalSite:
    audience = "internal"
    dropped_features = INTERNAL_DROPPED_FEATURES

    def __init__(
        self,
        credentials: list[Credential] | None,
        addresses: AddressSecret | None = None,
        site_name: str = "",
        help_text: str = "",
    ):
        """`credentials` is None for an unencrypted preview (mkdocs serve, loopback only);
        otherwise `addresses` keys the page addresses (see addresses.py). `help_text` is the
        unlock_help line of the locked page (whom to ask)."""
        self.keyring = self.addresses = None
        self.help_text = help_text
        self.policies: dict[str, str] = {}  # sealed page -> the policy of its locked page
        self.preloads: dict[str, tuple[tuple[str, str, str], ...]] = {}  # -> its theme files
        if credentials:
            assert addresses is not None, "a sealed site needs its address secret"
            passwords = [cred.password for cred in credentials]
            self.keyring = make_keyring(passwords)
            self.addresses = site_address_key(passwords[0], addresses, site_name)

    @property
    def sealed(self) -> bool:
        return self.keyring is not None

    def address(self, src_uri: str) -> str | None:
        """An opaque token for every page but the home page, when sealed."""
        if not self.addresses or src_uri == "index.md":
            return None
        return page_token(self.addresses, src_uri)

    def policy(self, page_scripts: set[str]) -> str:
        """The decrypted page's own policy: the one of its locked page, which stays in force."""
        if not self.sealed:  # the preview: as the light site
            return content_security_policy(map(script_hash, page_scripts), sealed=False)
        return shell_policy(page_scripts)

    def seal_page(
        self,
        html: str,
        path: str,
        page_scripts: set[str],
        root: str | None = None,
        compress: Callable[[bytes], bytes] | None = None,
    ) -> str:
        """The locked page that MkDocs writes instead of `html`; raises Rejected. `compress`:
        see seal.seal_page."""
        assert self.keyring is not None
        policy = self.policies[path] = shell_policy(page_scripts)
        # The 404 page is served at any address: its relative addresses name nothing there.
        preloads = self.preloads[path] = () if path == NOT_FOUND else theme_preloads(html)
        try:
            return seal_page(
                self.keyring,
                html,
                path,
                policy=policy,
                help_text=self.help_text,
                root=root,
                preloads=preloads,
                compress=compress,
            )
        except SealError as e:
            raise Rejected(_not_published(str(e))) from None

    def seal_search_index(self, text: str | Iterable[str]) -> str:
        assert self.keyring is not None
        return seal_index(self.keyring, text)

    def build_file(self) -> str:
        assert self.keyring is not None
        return build_file(self.keyring)

    def finish(
        self,
        site: Path,
        expected: set[str],
        trusted: set[tuple[str, str]],
        machine_made: Iterable[str],
    ) -> None:
        """Check that every file MkDocs wrote is sealed or trusted; raises Rejected."""
        assert self.keyring is not None
        try:
            self.pages = verify_sealed(
                site,
                self.keyring,
                trusted,
                self.policies,
                help_text=self.help_text,
                preloads=self.preloads,
            )
        except SealError as e:
            raise Rejected(_not_published(str(e))) from None

    def summary(self) -> str:
        assert self.keyring is not None
        return f"{self.pages} pages encrypted for {len(self.keyring.wrapped)} password(s)"


def _not_published(problem: str) -> str:
    return f"{problem}\nThe internal site was not published; the previous one is untouched."


_TEMPLATES = Path(pages.__file__).parent / "templates"
# Words the page generator writes itself, beside the templates' own.
_LABELS = (
    pages.DEFAULT_DISCLAIMER,
    *pages.STATUS_LABELS.values(),
    *pages.HORIZON_LABELS.values(),
    *pages.HORIZON_HINTS.values(),
)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_STRING = re.compile(r""""([^"\\\n]*)"|'([^'\\\n]*)'""")


@functools.cache
def template_text(folders: tuple[Path, ...]) -> tuple[str, ...]:
    """The fixed words of every template in these folders: the text between Jinja tags, and
    the strings inside them (Material's interface text lives in `{{ {"key": "text"} }}`)."""
    out: list[str] = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .icons: 10,000 SVGs
            for name in sorted(files):
                if name.endswith((".html", ".j2")):
                    source = (Path(root) / name).read_text(encoding="utf-8", errors="replace")
                    out += _JINJA.split(source)
                    for m in _JINJA.finditer(source):
                        out += [a or b for a, b in _STRING.findall(m[0])]
    return tuple(t for t in out if t.strip())


def unexplained(site: Path, expected: set[str]) -> list[Problem]:
    """Files in a built site that no planned source explains (the allow-list at file level)."""
    out = []
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and rel not in expected:
            out.append(
                Problem(
                    site / rel,
                    1,
                    "file not explained by any public source",
                    "a plugin or theme override added it; remove it",
                )
            )
    return out
