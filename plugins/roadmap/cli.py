"""The `roadmap` command: `build` (both sites and the account sites, or one site), `check`,
`diff`, `new`, `links`, `passphrase` and `share-key`.

`roadmap build --audience X` is `mkdocs build -f site_config/X.yml` after a check of the content
and the password, so both give the same site; `--engine properdocs` builds them with ProperDocs
instead of MkDocs (engines.py). Exit 0 on success, 1 on content, password or
audit problems (one `path:line: message` line each), 2 on wrong usage. Never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's end-of-life banner, on every run

from .accounts import SHARE_KEY_ENV, new_share_key, read_share_key  # noqa: E402
from .addresses import ENV_ADDRESS_KEY, read_address_secret, salt_path, salt_warnings  # noqa: E402
from .audience import AUDIENCES, project  # noqa: E402
from .authoring import item_template, slugify  # noqa: E402
from .diff import compare  # noqa: E402
from .diff import report as diff_report  # noqa: E402
from .engines import DEFAULT, ENGINES, LISTED, run_elsewhere  # noqa: E402
from .gitrepo import GitError, Repo  # noqa: E402
from .history import needs_review, read_history  # noqa: E402
from .load import ROADMAP_DIR, THEMES_FILE, load_with_problems  # noqa: E402
from .model import HIDDEN_STATUSES, Item, Roadmap  # noqa: E402
from .nesting import list_warnings  # noqa: E402
from .passwords import (  # noqa: E402
    MIN_PASSPHRASE_WORDS,
    PASSPHRASE_WORDS,
    passphrase,
    read_passwords,
)
from .problems import did_you_mean, display_path, report  # noqa: E402
from .staging import STAGING_DIR, StagingError, scratch  # noqa: E402

CONFIG_DIR = Path("site_config")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="roadmap", description="Build the light and internal roadmap sites from content/."
    )
    parser.add_argument(
        "-C",
        "--directory",
        type=Path,
        default=Path("."),
        help="the project folder (holding mkdocs.yml and site_config/)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build site/public/ and site/internal/")
    build.add_argument("--audience", choices=AUDIENCES, help="build one site only (default: both)")
    build.add_argument("-v", "--verbose", action="store_true", help="show MkDocs' progress")
    build.add_argument(
        "--engine",
        choices=sorted(ENGINES),
        default=DEFAULT,
        metavar="{" + ",".join(LISTED) + "}",
        help=f"what renders the sites (default {DEFAULT}); both run the roadmap plugin",
    )
    sub.add_parser("check", help="validate content/ and report every problem; writes nothing")
    phrase = sub.add_parser(
        "passphrase", help="print a strong random passphrase for the internal site"
    )
    phrase.add_argument(
        "--words",
        type=int,
        default=PASSPHRASE_WORDS,
        help=f"how many words (default {PASSPHRASE_WORDS}, at least {MIN_PASSPHRASE_WORDS})",
    )
    diff = sub.add_parser(
        "diff", help="what changes for clients and for sales since REV, as Markdown"
    )
    diff.add_argument(
        "rev",
        nargs="?",
        metavar="REV",
        help="a commit, branch or tag (default: the merge base with the default branch)",
    )
    sub.add_parser(
        "links", help="print each account's link to its site: `<account-id> <link>` per line"
    )
    sub.add_parser("share-key", help=f"print a new random {SHARE_KEY_ENV} for account links")
    new = sub.add_parser("new", help="start an item: writes content/roadmap/<id>.md")
    new.add_argument("title", help="the item's title; its id (file name) is made from it")
    new.add_argument("--theme", help="the id of its theme in themes.yml (default: the first)")
    args = parser.parse_args(argv)
    if args.command == "passphrase":
        if args.words < MIN_PASSPHRASE_WORDS:
            phrase.error(f"--words: at least {MIN_PASSPHRASE_WORDS} (each adds ~12.9 bits)")
        print(passphrase(args.words))
        return 0
    if args.command == "share-key":
        print(new_share_key())
        return 0

    try:
        os.chdir(args.directory)
    except OSError as e:
        parser.error(f"cannot enter {args.directory}: {e.strerror}")
    if args.command == "build":
        engine = ENGINES[args.engine]
        if not engine.installed():
            print(
                f"roadmap: the {engine.name} engine is not installed; {engine.install}",
                file=sys.stderr,
            )
            return 1
        if not engine.activate():  # this process already loaded another engine as `mkdocs`
            again = ["-C", os.getcwd(), "build", "--engine", engine.name]
            again += ["--audience", args.audience] if args.audience else []
            return run_elsewhere(engine, again + (["-v"] if args.verbose else []))
    audiences = [args.audience] if getattr(args, "audience", None) else list(AUDIENCES)
    for audience in audiences:
        if not (CONFIG_DIR / f"{audience}.yml").is_file():
            parser.error(f"{CONFIG_DIR / f'{audience}.yml'} not found: run from the project folder")
    try:
        if args.command == "check":
            return _check()
        if args.command == "diff":
            return _diff(args.rev)
        if args.command == "new":
            return _new(args.title, args.theme)
        if args.command == "links":
            return _links()
        if not ENGINES[args.engine].runs_plugin:
            return _build_render_only(audiences, args.verbose, accounts=args.audience is None)
        # The account sites come with a whole build: `--audience` builds that one site only.
        try:
            return _build(audiences, verbose=args.verbose, accounts=args.audience is None)
        finally:
            from .builds import forget_kept

            forget_kept()
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug of ours: one line, and the way to see more
        if os.environ.get("ROADMAP_DEBUG"):
            raise
        print(
            f"roadmap: internal error: {type(e).__name__}: {e} (set ROADMAP_DEBUG=1 to see where)",
            file=sys.stderr,
        )
        return 1


def _load_config(audience: str):
    from mkdocs.config import load_config

    return load_config(config_file=str(CONFIG_DIR / f"{audience}.yml"))


def _content_dir(config=None) -> Path:
    """The roadmap's sources: the roadmap plugin's content_dir option (never docs_dir)."""
    from .plugin import content_dir

    return content_dir(config or _load_config("public"))


def _check() -> int:
    config = _load_config("public")
    content = _content_dir(config)
    roadmap, problems = load_with_problems(content)
    if os.environ.get(ENV_ADDRESS_KEY) or salt_path(CONFIG_DIR).exists():
        problems += read_address_secret(CONFIG_DIR)[1]
    _warn(salt_warnings(CONFIG_DIR))
    if roadmap is not None:  # warnings do not fail the check: the content still builds
        warnings = list_warnings([*roadmap.items, *roadmap.pages, *roadmap.playbook])
        if warnings:
            print(report(warnings), file=sys.stderr)
    if problems:
        print(report(problems), file=sys.stderr)
        print(f"roadmap: {len(problems)} problem(s) in {_rel(content)}/", file=sys.stderr)
        return 1
    items = roadmap.items
    # By file: an item renamed for clients has another id on the light site.
    shown = {Path(i.path) for i in project(roadmap, "public").items}
    print(
        f"roadmap: {_rel(content)}/ is valid: {len(items)} items ({len(shown)} on the light "
        f"site), {len(roadmap.themes)} themes, {len(roadmap.pages)} pages, "
        f"{len(roadmap.playbook)} playbook pages"
    )
    for line in _visibility_notes(roadmap, shown):
        print(line)
    stale_after = config.plugins["roadmap"].config.stale_after_days
    view = project(roadmap, "internal")
    for r in needs_review(view, read_history(content, depth=0), date.today(), stale_after):
        item = r.item
        line = item.lines.get("last_reviewed", item.lines.get("", 1))
        print(
            f"{display_path(item.path)}:{line}: warning: not reviewed for {r.age} days "
            f"({r.source or 'never'} {r.reviewed}, stale_after_days is {stale_after}); "
            f"check it with {item.owner or 'its owner'} and set last_reviewed: "
            f"{date.today().isoformat()}",
            file=sys.stderr,
        )
    return 0


def _visibility_notes(roadmap: Roadmap, shown: set[Path]) -> list[str]:
    """One line per item that is new (not in the last commit) or hidden from the light site."""
    tracked = _tracked(roadmap.content_dir)
    themes = {t.id: t for t in roadmap.themes}
    out = []
    for item in roadmap.items:
        rel = item.path.resolve().relative_to(roadmap.content_dir.resolve()).as_posix()
        new = tracked is not None and rel not in tracked
        where = f"{display_path(item.path)}:{item.lines.get('visibility', item.lines.get('', 1))}"
        if Path(item.path) not in shown:
            what = "new item, hidden" if new else "hidden"
            out.append(f"{where}: {what} from the light site: {_why_hidden(item, themes)}")
        elif new:
            out.append(f"{where}: new item, on the light site")
    return out


def _why_hidden(item: Item, themes: dict) -> str:
    if "visibility" not in item.lines:
        return "no visibility: internal"
    if item.visibility != "public":
        return f"visibility: {item.visibility}"
    if item.status in HIDDEN_STATUSES:
        return f"status: {item.status}"
    return f"theme '{item.theme}' is internal"


def _tracked(content: Path) -> set[str] | None:
    """Content files in the last commit, or None without git (then nothing is called new)."""
    try:
        repo = Repo.find(content)
        return {f.path for f in repo.files_at("HEAD")} if repo.head() else set()
    except GitError:
        return None


def _diff(rev: str | None) -> int:
    content = _content_dir()
    roadmap, problems = load_with_problems(content)
    if problems:
        print(report(problems), file=sys.stderr)
        print("roadmap: fix these first; `roadmap check` lists them", file=sys.stderr)
        return 1
    try:
        repo = Repo.find(content)
    except GitError as e:
        print(f"roadmap: {e}: nothing to compare; run roadmap diff in a clone", file=sys.stderr)
        return 0
    if rev:
        sha = repo.resolve(rev)
        if sha is None:
            print(
                f"roadmap: unknown revision '{rev}'; give a commit, branch or tag "
                "(`git log --oneline` lists commits)",
                file=sys.stderr,
            )
            return 2
        against = f"`{rev}` ({sha[:10]})"
    else:
        head = repo.head()
        branch = repo.default_branch()
        base = repo.merge_base("HEAD", branch) if head and branch else None
        sha = base or head
        if sha is None:
            against = "an empty roadmap (no commit yet)"
        elif base:
            against = f"the merge base with `{branch}` ({sha[:10]})"
        else:
            against = f"`HEAD` ({sha[:10]})"
    # The old content is internal text in clear: in the project's private staging folder,
    # swept after a kill, never in /tmp where nothing would remove it.
    try:
        with scratch(content.parent / STAGING_DIR, "diff") as tmp:
            old = _old_roadmap(repo, sha, tmp / "content")
            diffs = [compare(project(old, a), project(roadmap, a)) for a in AUDIENCES]
    except StagingError as e:
        print(f"roadmap: {e}", file=sys.stderr)
        return 1
    print(diff_report(diffs, against), end="")
    return 0


def _old_roadmap(repo: Repo, sha: str | None, old_dir: Path) -> Roadmap:
    """The roadmap at `sha`, extracted into `old_dir`; empty when there is none."""
    old = Roadmap(old_dir, (), (), (), ())
    if sha and repo.extract(sha, old_dir) and (old_dir / ROADMAP_DIR).is_dir():
        loaded, old_problems = load_with_problems(old_dir)
        old = loaded or old
        if old_problems:
            print(
                f"roadmap: the content at {sha[:10]} has {len(old_problems)} problem(s); "
                "what did not load there counts as absent",
                file=sys.stderr,
            )
    return old


def _new(title: str, theme: str | None) -> int:
    content = _content_dir()
    roadmap, _ = load_with_problems(content)
    themes = [t.id for t in roadmap.themes] if roadmap else []
    item_id = slugify(title)
    if not item_id:
        print(f"roadmap: cannot make an id from '{title}'; use letters or digits", file=sys.stderr)
        return 2
    if not themes:
        themes_file = display_path(content / ROADMAP_DIR / THEMES_FILE)
        print(f"{themes_file}:1: no theme to put the item in; add one first", file=sys.stderr)
        return 1
    if theme is not None and theme not in themes:
        print(f"roadmap: unknown theme '{theme}'; {did_you_mean(theme, themes)}", file=sys.stderr)
        return 2
    folder = content / ROADMAP_DIR
    existing = sorted(folder.rglob(f"{item_id}.md")) + sorted(folder.rglob(f"{item_id}.markdown"))
    if existing:
        print(
            f"{display_path(existing[0])}:1: an item with the id '{item_id}' exists; "
            "edit it, or choose another title",
            file=sys.stderr,
        )
        return 1
    path = folder / f"{item_id}.md"
    text = item_template(item_id, title, theme or themes[0], themes, date.today())
    with open(path, "x", encoding="utf-8") as out:  # "x": never overwrite, even in a race
        out.write(text)
    print(
        f"roadmap: wrote {display_path(path)}; it stays internal until you set "
        "'visibility: public'; run roadmap check when done"
    )
    return 0


def _links() -> int:
    from .accounts import account_links

    config = _load_config("public")
    roadmap, problems = load_with_problems(_content_dir(config))
    key, found = read_share_key()
    problems += found
    if problems:
        print(report(problems), file=sys.stderr)
        return 1
    if key is None:
        print(
            f"roadmap: {SHARE_KEY_ENV} is not set, so there are no links; set it to the CI "
            "secret the sites are built with (`roadmap share-key` makes a new one)",
            file=sys.stderr,
        )
        return 1
    site_url = config.site_url or config.plugins["roadmap"].config.light_site_url
    links = account_links(roadmap, key)
    for account in roadmap.accounts:
        link = links.get(account.id)
        if link:
            print(f"{account.id} {link.url(site_url)}")
        else:
            print(
                f"roadmap: {account.id}: no link: nothing is shared with it on "
                f"{roadmap.today} (no live approval in share_with)",
                file=sys.stderr,
            )
    return 0


def _build(audiences: list[str], verbose: bool, accounts: bool = False) -> int:
    from mkdocs.commands.build import build
    from mkdocs.exceptions import ConfigurationError

    from .builds import (
        build_in_parallel,
        build_site,
        collect_less,
        keep_findings,
        keep_proofs,
        parallel,
    )
    from .staging import Batch

    _quiet_logging(verbose)
    collect_less()
    # Everything that can be known before building is checked for all audiences first, so a
    # bad password does not leave the light site rebuilt and the internal one stale.
    try:
        content = _content_dir(_load_config(audiences[0]))
    except ConfigurationError as e:
        print(f"roadmap: configuration error: {e}", file=sys.stderr)
        return 1
    roadmap, problems = load_with_problems(content)
    addresses = proofs = None
    if "internal" in audiences:
        from .plugin import password_context

        config = _load_config("internal")
        proofs = _kept(content.parent, config.site_name)  # before the content is projected
        terms = config.plugins["roadmap"].config.confidential_terms
        context = password_context(config, terms, roadmap)
        problems += read_passwords(asked_by=CONFIG_DIR / "internal.yml", context=context)[1]
    share_key = None
    if accounts:
        share_key, found = read_share_key()
        problems += found
    if "internal" in audiences and not problems:  # the salt file only for a build that happens
        addresses, found = read_address_secret(CONFIG_DIR, create=True)
        problems += found
    if problems:
        print(report(problems), file=sys.stderr)
        print("roadmap: nothing was built; the previous sites are untouched", file=sys.stderr)
        return 1
    if addresses and addresses.created:
        print(
            f"roadmap: made {display_path(addresses.created)}, the salt of the internal site's "
            "page addresses: commit it, or every address changes on a fresh clone"
        )
    _warn(salt_warnings(CONFIG_DIR))
    # Both sites are published together, only when both passed: a failure of the internal
    # site leaves the light one as it was too, so the two always come from the same content.
    batch = Batch.open()
    try:
        if parallel(audiences):
            code, staged = build_in_parallel(audiences, _load_config, roadmap)
            if code:
                return code
            for staging in staged:
                staging.ready()
        else:
            for audience in audiences:
                # Load each config right before its build: MkDocs shares one instance of a
                # plugin that has on_startup between all configs of a process, so the last
                # load wins.
                try:
                    config = _load_config(audience)
                except ConfigurationError as e:
                    print(f"roadmap: configuration error: {e}", file=sys.stderr)
                    return 1
                if build_site(config, audience):
                    return 1
        built = [
            (f"{audience} site", Path(_load_config(audience).site_dir)) for audience in audiences
        ]
        if accounts and roadmap is not None:
            from .account_builds import build_accounts

            done = build_accounts(roadmap, share_key, lambda: _load_config("public"), build)
            if done is None:
                return 1
            built += done
        if batch:
            batch.close(publish=True)
        if proofs is not None:
            keep_proofs(proofs)
            if not parallel(audiences):  # else the light site's process kept its findings
                keep_findings()
    except StagingError as e:  # the new sites could not be put in place
        print(f"roadmap: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a full disk, a folder that cannot be written
        target = e.filename2 or e.filename  # shutil.copyfile: (source, destination)
        where = f" {target}" if target else ""
        print(
            f"roadmap: cannot write{where}: {e.strerror}; nothing was published, "
            "the previous sites are untouched",
            file=sys.stderr,
        )
        return 1
    finally:
        if batch:
            batch.close(publish=False)  # after a failure, discards what was staged
    for what, final in built:
        print(f"roadmap: {what} -> {_rel(final)}/")
    return 0


def _kept(project_dir: Path, site_name: str):
    """What the last builds kept for this one (builds.keep_between_builds), when the internal
    site's key can be had before the checks: from the first password and the address secret
    as they read now. None without them (a first build, before the salt file is made)."""
    from .builds import keep_between_builds
    from .passwords import first_password
    from .sites import site_address_key

    password = first_password()
    addresses, found = read_address_secret(CONFIG_DIR)
    if password is None or addresses is None or found:
        return None
    return keep_between_builds(project_dir, site_address_key(password, addresses, site_name))


def _build_render_only(audiences: list[str], verbose: bool, accounts: bool = False) -> int:
    """The sites through the render-only pipeline (engines.build_render_only), published
    together when every one passed, as _build publishes them. It makes no account sites: a
    whole build closes them (site/accounts/ emptied), or a link revoked since the last plugin
    build would keep opening its old folder."""
    from mkdocs.exceptions import ConfigurationError

    from .builds import collect_less
    from .engines import build_render_only
    from .render_only import RenderError
    from .sites import Rejected
    from .staging import Batch

    _quiet_logging(verbose)
    collect_less()
    if "internal" in audiences:  # a bad password stops the build before any site is rebuilt
        from .plugin import password_context

        try:
            config = _load_config("internal")
        except ConfigurationError as e:
            print(f"roadmap: configuration error: {e}", file=sys.stderr)
            return 1
        roadmap, problems = load_with_problems(_content_dir(config))
        terms = config.plugins["roadmap"].config.confidential_terms
        context = password_context(config, terms, roadmap)
        problems += read_passwords(asked_by=CONFIG_DIR / "internal.yml", context=context)[1]
        if problems:
            print(report(problems), file=sys.stderr)
            print("roadmap: nothing was built; the previous sites are untouched", file=sys.stderr)
            return 1
    built = []
    batch = Batch.open()
    try:
        for audience in audiences:
            summary = build_render_only(CONFIG_DIR / f"{audience}.yml")
            site = Path(_load_config(audience).site_dir)
            built.append(f"roadmap: {audience} site ({summary}, render-only) -> {_rel(site)}/")
        if accounts:
            from .account_builds import close_accounts

            config = _load_config("public")
            closed = close_accounts(
                _content_dir(config),
                Path(config.site_dir),
                "roadmap: account sites are not built by the render-only pipeline: "
                "site/accounts/ is emptied, every account link is closed until `roadmap build` "
                "builds them again",
            )
            if closed is None:
                return 1
            built += [f"roadmap: {what} -> {_rel(final)}/" for what, final in closed]
        if batch:
            batch.close(publish=True)
    except Rejected as e:
        print(str(e), file=sys.stderr)
        return 1
    except (RenderError, StagingError) as e:
        print(f"roadmap: {e}; the previous sites are untouched", file=sys.stderr)
        return 1
    except ConfigurationError as e:
        print(f"roadmap: configuration error: {e}", file=sys.stderr)
        return 1
    finally:
        if batch:
            batch.close(publish=False)  # after a failure, discards what was staged
    for line in built:
        print(line)
    return 0


def _warn(warnings) -> None:
    for warning in warnings:
        print(f"WARNING: {warning}", file=sys.stderr)


def _quiet_logging(verbose: bool) -> None:
    """MkDocs' warnings (broken links...) are worth seeing; its progress lines only with -v."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
