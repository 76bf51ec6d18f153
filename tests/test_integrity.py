"""The Content-Security-Policy and integrity attributes, as pure functions of a page's HTML."""

from __future__ import annotations

import base64
import hashlib
import re

from roadmap.crypto import Envelope, make_keyring
from roadmap.integrity import (
    add_integrity,
    content_security_policy,
    inline_scripts,
    script_hash,
    sri,
    theme_data_shadowed,
)
from roadmap.seal import locked_page

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
