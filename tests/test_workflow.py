"""The deploy workflow and the pre-commit hook: valid against GitHub's schema (offline, with
check-jsonschema's copy of it), and doing what the README promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT

WORKFLOW = ROOT / ".github/workflows/roadmap.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
    )


def test_the_workflow_is_valid():
    done = validate(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_can_fail(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1))
    assert validate(broken).returncode != 0


def test_the_workflow_publishes_by_push():
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    build = flow["jobs"]["build"]
    steps = build["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = [s.get("run", "") for s in steps]
    assert "roadmap check" in runs and "roadmap build" in runs
    assert any("roadmap diff" in r and "$GITHUB_STEP_SUMMARY" in r for r in runs)
    building = next(s for s in steps if s.get("run") == "roadmap build")
    assert "secrets.ROADMAP_PASSWORD" in building["env"]["ROADMAP_PASSWORD"]
    assert building["env"]["ROADMAP_SHARE_KEY"] == "${{ secrets.ROADMAP_SHARE_KEY }}"
    uploads = [s["with"]["path"] for s in steps if "upload" in s.get("uses", "")]
    # The light site goes to Pages with the account sites in its accounts/ folder.
    assert uploads == ["site/pages", "site/internal"]
    pages = next(s for s in steps if "site/pages" in s.get("run", ""))
    assert "cp -R site/public/. site/pages/" in pages["run"]
    assert "cp -R site/accounts site/pages/accounts" in pages["run"]
    on_main = "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    for job in ("deploy-light", "deploy-internal"):
        assert flow["jobs"][job]["if"] == on_main
        assert flow["jobs"][job]["needs"] == "build"
    assert "deploy-pages" in flow["jobs"]["deploy-light"]["steps"][0]["uses"]
    internal = flow["jobs"]["deploy-internal"]["steps"]
    assert internal[0]["with"]["path"] == "site/internal"
    assert "pages deploy site/internal" in internal[1]["with"]["command"]
    # Values from the event reach scripts through the environment, never pasted into them.
    for step in steps:
        assert "${{" not in step.get("run", ""), step


def test_pre_commit_runs_roadmap_check():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    (hook,) = repo["hooks"]
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == (
        "roadmap check",
        "system",
        False,
    )
