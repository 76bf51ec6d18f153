"""`roadmap build`'s account sites: one MkDocs build of the light site's config per account with
a live approval, each into its folder of one staged `site/accounts/`, which the open
staging.Batch publishes with the light and internal sites, or not at all.

The whole of `site/accounts/` is replaced on every build: a folder whose link was revoked,
rotated or whose approvals ended is gone with it, and without ROADMAP_SHARE_KEY it is emptied
(a revoked link must not keep working because a key went missing). It holds an index.html that
says nothing, so that no host lists the folders.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .accounts import ACCOUNTS_DIR, SHARE_KEY_ENV, account_links
from .model import Roadmap
from .staging import STAGING_DIR, Staging, StagingError

# site/accounts/index.html: a host that lists a folder without an index (Apache's and nginx's
# autoindex, `python -m http.server`) would show every account's folder to anyone holding one
# link, and so how many accounts there are. The same bytes whatever the accounts, and there
# once the project has account sites, even none today: `accounts/` answers the same whether
# any account has a site or not.
CLOSED_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer"><title>Not found</title></head>
<body><p>Not found.</p></body></html>
"""


def build_accounts(
    roadmap: Roadmap,
    share_key: bytes | None,
    load_config: Callable[[], Any],
    build: Callable[[Any], None],
) -> list[tuple[str, Path]] | None:
    """Build every account's site into the batch; what was built, or None after a failure
    (printed; nothing of the accounts is then published, and `roadmap build` publishes
    nothing)."""
    from mkdocs.exceptions import Abort, MkDocsException

    final = Path(load_config().site_dir).parent / ACCOUNTS_DIR
    try:
        staging = Staging(final, roadmap.content_dir.parent / STAGING_DIR)
    except StagingError as e:
        print(f"roadmap: {e}", file=sys.stderr)
        return None
    ready = False
    try:
        if share_key is None:
            ready = _close(
                staging,
                final,
                f"roadmap: account sites skipped: {SHARE_KEY_ENV} is not set; set it (a CI "
                "secret; `roadmap share-key` makes one) to build a site for each account an "
                "item is shared with",
            )
            return [("no account site", final)] if ready else []
        links = account_links(roadmap, share_key)
        for link in links.values():
            config = load_config()
            assert staging.folder is not None
            config.site_dir = str(staging.folder / link.folder)
            plugin = config.plugins["roadmap"]
            plugin.account_link = link
            try:
                config.plugins.on_startup(command="build", dirty=False)
                build(config)
            except Abort as e:
                print(str(e.format_message()).strip(), file=sys.stderr)
                return None
            except MkDocsException as e:
                print(f"roadmap: {link.account.id} site: {e.format_message()}", file=sys.stderr)
                return None
            finally:
                config.plugins.on_shutdown()
                plugin.account_link = None
        assert staging.folder is not None
        (staging.folder / "index.html").write_text(CLOSED_INDEX, encoding="utf-8")
        staging.ready()
        ready = True
        return [(f"{len(links)} account site" + ("s" if len(links) != 1 else ""), final)]
    finally:
        if not ready:
            staging.discard()


def close_accounts(content_dir: Path, site_dir: Path, why: str) -> list[tuple[str, Path]] | None:
    """Empty `site/accounts/` in the batch (for a build that cannot make account sites), saying
    `why`: a revoked link must not keep working because this build did not rebuild it. What was
    closed, or None after a failure (printed)."""
    final = site_dir.parent / ACCOUNTS_DIR
    try:
        staging = Staging(final, content_dir.parent / STAGING_DIR)
    except StagingError as e:
        print(f"roadmap: {e}", file=sys.stderr)
        return None
    ready = False
    try:
        ready = _close(staging, final, why)
        return [("no account site", final)] if ready else []
    finally:
        if not ready:
            staging.discard()


def _close(staging: Staging, final: Path, why: str) -> bool:
    """Stage an accounts/ without folders, which replaces the old one, so old links close;
    nothing when there never were account sites. Whether anything was staged."""
    print(why, file=sys.stderr)
    if not final.exists():
        return False
    assert staging.folder is not None
    (staging.folder / "index.html").write_text(CLOSED_INDEX, encoding="utf-8")
    staging.ready()
    return True
