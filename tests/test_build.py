"""Building both sites from fixture content: the commands, their exit codes, the swap."""

from __future__ import annotations

from conftest import Project


def test_public_build_from_minimal_content(project: Project):
    project.item("first-item", body="Hello *world*.")
    result = project.run("build", "--audience", "public")
    assert result.code == 0, result.err
    site = project.site("public")
    assert (site / "index.html").is_file()
    assert (site / "items/first-item/index.html").is_file()
    assert "Hello <em>world</em>." in (site / "items/first-item/index.html").read_text()
