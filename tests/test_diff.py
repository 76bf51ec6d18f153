"""`roadmap diff`: what a pull request changes for each audience, from real git history."""

from __future__ import annotations

import pytest
from test_history import Repo, git

from conftest import Project


@pytest.fixture
def repo(project: Project) -> Repo:
    repo = Repo(project)
    project.item("moving", horizon="later", status="exploring")
    project.item("staying", summary="Old words.")
    project.item("leaving", title="Going away")
    project.item("secret", visibility="internal", title="Secret plan")
    repo.commit("Base")
    return repo


def change_things(project: Project) -> None:
    project.item("moving", horizon="now", status="in-progress")
    project.item("staying", summary="New words.")
    project.item("leaving", title="Going away", visibility="internal")
    project.item("secret", visibility="internal", title="Secret plan", owner="Olga Owner")
    project.item("arriving", title="Brand new")


def test_diff_against_the_default_branch_per_audience(repo: Repo):
    p = repo.project
    git(p.root, "checkout", "-q", "-b", "feature")
    change_things(p)
    repo.commit("Work on a branch")
    result = p.run("diff")
    assert result.code == 0, result.err
    base = git(p.root, "rev-parse", "main").strip()[:10]
    assert result.out == (
        f"## Roadmap changes against the merge base with `main` ({base})\n"
        "\n"
        "### Light site: what clients will see\n"
        "\n"
        "- **Added** Brand new (`arriving`): Next, Planned\n"
        "- **Removed** Going away (`leaving`)\n"
        "- **Moved** Title of moving (`moving`): Later → Now\n"
        "- **Status** Title of moving (`moving`): Exploring → In progress\n"
        "- **Text** Title of staying (`staying`): summary\n"
        "\n"
        "### Internal site: what sales will see\n"
        "\n"
        "- **Added** Brand new (`arriving`): Next, Planned\n"
        "- **Moved** Title of moving (`moving`): Later → Now\n"
        "- **Status** Title of moving (`moving`): Exploring → In progress\n"
        "- **Text** Going away (`leaving`): visibility\n"
        "- **Text** Secret plan (`secret`): owner\n"
        "- **Text** Title of staying (`staying`): summary\n"
    )


def test_diff_of_the_working_tree_and_of_a_given_revision(repo: Repo):
    p = repo.project
    assert "No change." in p.run("diff").out
    p.item("staying", summary="Uncommitted words.", body="A new description.")
    out = p.run("diff").out
    assert out.startswith("## Roadmap changes against the merge base with `main`")
    assert "- **Text** Title of staying (`staying`): summary, description" in out
    first = git(p.root, "rev-parse", "HEAD").strip()
    repo.commit("Second")
    p.item("staying", summary="Third words.")
    out = p.run("diff", first[:8]).out
    assert out.startswith(f"## Roadmap changes against `{first[:8]}` ({first[:10]})")


def test_diff_titles_are_escaped_for_markdown(repo: Repo):
    p = repo.project
    p.item("tricky", title="A *bold* | pipe")
    assert "- **Added** A \\*bold\\* \\| pipe (`tricky`)" in p.run("diff").out


def test_diff_with_an_unknown_revision(repo: Repo):
    result = repo.project.run("diff", "no-such-branch")
    assert result.code == 2
    assert result.lines == [
        "roadmap: unknown revision 'no-such-branch'; give a commit, branch or tag "
        "(`git log --oneline` lists commits)"
    ]
    assert repo.project.run("diff", "--", "-x").code == 2


def test_diff_outside_git(project: Project):
    project.item("alone")
    result = project.run("diff")
    assert result.code == 0
    assert result.out == ""
    assert result.lines == [
        "roadmap: not a git repository: nothing to compare; run roadmap diff in a clone"
    ]


def test_diff_with_invalid_content_reports_it(repo: Repo):
    repo.project.item("broken", status="done")
    result = repo.project.run("diff")
    assert result.code == 1
    assert result.lines[-1] == "roadmap: fix these first; `roadmap check` lists them"
