"""Strict mode keeps its promise: a warning stops the build before the new site is swapped in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import PASSWORD, Project


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def warned(project: Project) -> Project:
    """A project whose build warns: a link to an anchor that does not exist (a broken link)."""
    project.item("first-item", body="## Details\n\nText.\n")
    project.page(
        "about.md", "See [the details](../roadmap/first-item.md#nowhere).\n", visibility="public"
    )
    config = yaml.safe_load((project.root / "mkdocs.yml").read_text())
    config["validation"] = {"anchors": "warn"}
    (project.root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    first = project.run("build")
    assert first.code == 0, first.err
    assert "does not contain an anchor '#nowhere'" in first.err  # a warning, not strict yet
    project.page(
        "about.md",
        "Changed. See [the details](../roadmap/first-item.md#nowhere).\n",
        visibility="public",
    )
    return project


def test_mkdocs_build_strict_keeps_the_old_site(warned: Project):
    before = snapshot(warned.site("public"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROADMAP_")}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "site_config/public.yml"],
        cwd=warned.root,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Aborted with 1 warnings in strict mode! The previous public site is untouched." in (
        output
    )
    assert "Traceback" not in output
    assert snapshot(warned.site("public")) == before
    assert sorted(p.name for p in (warned.root / "site").iterdir()) == ["internal", "public"]


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_strict_in_the_config_keeps_the_old_site(warned: Project, audience: str):
    config = yaml.safe_load((warned.root / "mkdocs.yml").read_text())
    config["strict"] = True
    (warned.root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    before = snapshot(warned.site(audience))
    result = warned.run("build", "--audience", audience, password=PASSWORD)
    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        f"Aborted with 1 warnings in strict mode! The previous {audience} site is untouched."
    )
    assert snapshot(warned.site(audience)) == before
    assert sorted(p.name for p in (warned.root / "site").iterdir()) == ["internal", "public"]


def test_strict_without_warnings_builds(project: Project):
    project.item("first-item")
    config = yaml.safe_load((project.root / "mkdocs.yml").read_text())
    config["strict"] = True
    (project.root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = project.run("build")
    assert result.code == 0, result.err
    assert (project.site("public") / "items/first-item/index.html").is_file()
