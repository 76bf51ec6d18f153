"""The Content-Security-Policy and integrity attributes, as pure functions of a page's HTML."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from roadmap.crypto import Envelope, make_keyring
from roadmap.integrity import (
    add_integrity,
    content_security_policy,
    inline_scripts,
    script_hash,
    sri,
    theme_data_shadowed,
    theme_preloads,
)
from roadmap.seal import SealError, locked_page, seal_page, verify_sealed

PAGE = """<!doctype html><html><head>
<script>var a = 1;</script>
<script id="__config" type="application/json">{"x": "</"}</script>
<link rel="stylesheet" href="../assets/main.css">
<link rel="icon" href="../favicon.png">
</head><body>
<p>Text with <script>ignored</script> inside.</p>
<script src="../assets/bundle.js"></script>
<script
  src="https://elsewhere.example/x.js"></script>
<script type="module">import "./m.js";</script>
<link rel=stylesheet href="../assets/extra.css"/>
</body></html>"""
FILES = {
    "../assets/main.css": b"body{}",
    "../assets/bundle.js": b"console.log(1)",
    "../assets/extra.css": b"p{}",
}


def test_sri_is_sha384_of_the_bytes():
    digest = base64.b64encode(hashlib.sha384(b"console.log(1)").digest()).decode()
    assert sri(b"console.log(1)") == f"sha384-{digest}"


def test_inline_scripts_are_those_a_browser_runs():
    assert inline_scripts(PAGE) == ["var a = 1;", "ignored", 'import "./m.js";']


def test_integrity_on_every_local_script_and_stylesheet():
    html, missing = add_integrity(PAGE, lambda url: sri(FILES[url]) if url in FILES else None)
    assert f'<script src="../assets/bundle.js" integrity="{sri(b"console.log(1)")}">' in html
    assert f'<link rel="stylesheet" href="../assets/main.css" integrity="{sri(b"body{}")}">' in html
    assert f'href="../assets/extra.css" integrity="{sri(b"p{}")}"/>' in html
    assert '<link rel="icon" href="../favicon.png">' in html  # not a stylesheet
    assert missing == ["https://elsewhere.example/x.js"]
    assert re.sub(r' integrity="[^"]*"', "", html) == PAGE  # nothing else changed


def test_policy_allows_hashed_inline_scripts_only():
    policy = content_security_policy([script_hash("var a = 1;")], sealed=False)
    scripts = policy.split("script-src ")[1].split(";")[0].split()
    digest = base64.b64encode(hashlib.sha256(b"var a = 1;").digest()).decode()
    assert scripts == ["'self'", f"'sha256-{digest}'"]
    assert "unsafe-inline" not in scripts and "'unsafe-eval'" not in policy
    assert "default-src 'none'" in policy and "object-src 'none'" in policy
    sealed = content_security_policy([], sealed=True)
    assert "form-action 'none'" in sealed and "connect-src 'self' blob:" in sealed


def test_unlock_help_is_text_not_html():
    keyring = make_keyring(["a long enough passphrase"], iterations=1_000)
    html = locked_page(
        keyring,
        Envelope(b"", b""),
        "index.html",
        policy="default-src 'none'",
        help_text='Ask <b onclick="x()">Ops</b> & co',
    )
    assert "Ask &lt;b onclick=&#34;x()&#34;&gt;Ops&lt;/b&gt; &amp; co" in html
    assert "<b onclick" not in html


def test_content_cannot_stand_in_for_the_themes_settings(project):
    """Material reads its settings from the first element with id="__config": content came
    first, so a page could turn the internal site's search highlighting back on (search terms
    in the host's log) or point search elsewhere. The build now refuses it, on either site."""
    assert theme_data_shadowed('<p>x</p><script type="application/json" id="__config">{}') == [
        "__config"
    ]
    assert theme_data_shadowed('<h2 id="__config">A heading</h2>') == ["__config"]
    assert theme_data_shadowed('<h2 id="config">Config</h2><div id="__md">x</div>') == []
    # Pages are read only when an id could spell it: written with character references too.
    for spelled in ("&#95;_con&#x66;ig", "&lowbar;&UnderBar;&#99;onfig", "&#95&#95config"):
        assert theme_data_shadowed(f'<div id="{spelled}">x</div>') == ["__config"], spelled
    assert theme_data_shadowed('<p id="x">&para; &amp; &lowbar;&lowbar;</p>') == []
    project.item(
        "settings",
        body='Intro.\n\n<script type="application/json" id="__config">'
        '{"base": "https://elsewhere.example/", "features": ["search.highlight"]}</script>\n',
        visibility="internal",
    )
    result = project.run("build", "--audience", "internal")
    assert result.code == 1
    assert result.err.startswith(
        'content/roadmap/settings.md:9: an element with id="__config" would replace the '
        "theme's settings"
    ), result.err


THEMED = """<!doctype html><html><head><title>A page</title>
<link rel="stylesheet" href="../assets/main.css" integrity="sha384-AAA">
<link rel="stylesheet" href="../assets/plain.css">
<link rel="stylesheet" href="https://cdn.example/x.css" integrity="sha384-BBB">
<script src="../assets/early.js" integrity="sha384-CCC"></script>
</head><body>
<p>Content <link rel="stylesheet" href="../private-name.css" integrity="sha384-DDD"></p>
<script src="../content.js" integrity="sha384-EEE"></script>
<script id="__config" type="application/json">{}</script>
<script src="../assets/bundle.js" integrity="sha384-FFF"></script>
<script type="module" src="../assets/m.js" integrity="sha384-GGG"></script>
<script src="../assets/odd.js?v=1" integrity="sha384-HHH"></script>
</body></html>"""


def test_a_locked_page_preloads_the_themes_files_only():
    """What the locked page fetches while the key is derived: the theme's stylesheets and
    classic scripts with an integrity value, by plain relative address. Never what sits in the
    content (a name there could be internal), never another host, a module or a query."""
    assert theme_preloads(THEMED) == (
        ("style", "../assets/main.css", "sha384-AAA"),
        ("script", "../assets/early.js", "sha384-CCC"),
        ("script", "../assets/bundle.js", "sha384-FFF"),
    )
    assert theme_preloads("<p>not a page of the theme</p>") == ()


def _sealed_site(tmp_path: Path, preloads) -> tuple[Path, object, set]:
    keyring = make_keyring(["a long enough passphrase"], iterations=1_000)
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "assets" / "main.css").write_bytes(b"body{}")
    page = seal_page(keyring, "<p>x</p>", "index.html", policy="p", preloads=preloads)
    (site / "index.html").write_text(page)
    trusted = {("assets/main.css", hashlib.sha256(b"body{}").hexdigest())}
    return site, keyring, trusted


def test_a_locked_page_preloads_exactly_what_it_was_sealed_with(tmp_path: Path):
    preloads = (("style", "assets/main.css", sri(b"body{}")),)
    site, keyring, trusted = _sealed_site(tmp_path, preloads)
    html = (site / "index.html").read_text()
    assert (
        f'<link rel="preload" as="style" href="assets/main.css" integrity="{sri(b"body{}")}">'
        in (html)
    )
    assert (
        verify_sealed(
            site, keyring, trusted, {"index.html": "p"}, preloads={"index.html": preloads}
        )
        == 1
    )
    with pytest.raises(SealError, match="index.html: not a locked page"):  # one more, or one less
        verify_sealed(site, keyring, trusted, {"index.html": "p"})


def test_a_locked_page_may_preload_only_a_trusted_file(tmp_path: Path):
    preloads = (("script", "secret-name.js", "sha384-AAA"),)
    site, keyring, trusted = _sealed_site(tmp_path, preloads)
    with pytest.raises(SealError, match="index.html: its locked page preloads secret-name.js"):
        verify_sealed(
            site, keyring, trusted, {"index.html": "p"}, preloads={"index.html": preloads}
        )
