"""The documentation: README stays short and links into docs/, the mkdocs site builds with
--strict (broken links, anchors or pages left out of the nav fail it) without the network, and
the configuration page lists exactly the settings that exist.

README's walk-through and the pages' code blocks are run elsewhere: tests/e2e/test_embedded.py
(README's walk-through, docs/serving.md's Triton snippet), tests/e2e/test_sdk.py (docs/sdk.md)."""

import os
import re
import subprocess
import sys

import yaml

from app.config import Settings
from tests.support.stack import ROOT

DOCS = ROOT / "docs"
SETTINGS_ENV = {f"SEQCAST_{name.upper()}" for name in Settings.model_fields}
# Variables that are not settings: the CLI client's and the test suite's own.
OTHER_ENV = {"SEQCAST_URL", "SEQCAST_API_KEY", "SEQCAST_TEST_POSTGRES", "SEQCAST_TEST_REDIS"}
ENV_NAME = re.compile(r"SEQCAST_[A-Z0-9_]*[A-Z0-9]")

# `mkdocs build` with every outgoing connection refused: the build must not need the network
# (no plugin that fetches: mkdocs-material's `social` and `privacy` would).
OFFLINE_MKDOCS = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("the docs build tried to reach the network")
socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
from mkdocs.__main__ import cli
sys.exit(cli())
"""


def nav_pages() -> list[str]:
    # yaml.safe_load: mkdocs.yml uses no !!python tags.
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    return [page for entry in config["nav"] for page in entry.values()]


def test_mkdocs_build_is_strict_clean_and_offline(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_MKDOCS, "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in nav_pages():
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md"))
        assert built.exists() or (built / "index.html").exists(), page
    # The benchmarks page includes benchmarks/RESULTS.md rather than a copy of it.
    assert "Accuracy with defaults" in (site / "benchmarks" / "index.html").read_text()


def test_every_docs_page_is_in_the_nav():
    assert sorted(nav_pages()) == sorted(p.name for p in DOCS.glob("*.md"))


def test_readme_is_short_and_links_into_the_docs():
    readme = (ROOT / "README.md").read_text()
    size = len(readme.encode())
    assert size <= 12 * 1024, f"README.md is {size} bytes"
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if not re.match(r"[a-z]+://", link)]
    for link in local:
        assert (ROOT / link).exists(), link
    # Every page is one click away on GitHub; the benchmarks page is RESULTS.md itself there.
    for page in nav_pages():
        if page != "benchmarks.md":
            assert f"docs/{page}" in local, page
    assert "benchmarks/RESULTS.md" in local


def configuration_rows() -> list[set[str]]:
    """The variables named in the first cell of each row of the configuration table."""
    page = (DOCS / "configuration.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `SEQCAST_")]
    return [set(ENV_NAME.findall(row.split("|")[1])) for row in rows]


def test_configuration_page_lists_exactly_the_settings():
    named = [name for row in configuration_rows() for name in row]
    assert len(named) == len(set(named)), "a variable has two rows"
    missing, unknown = SETTINGS_ENV - set(named), set(named) - SETTINGS_ENV
    assert not missing, f"settings without a row in docs/configuration.md: {sorted(missing)}"
    assert not unknown, f"rows in docs/configuration.md for no setting: {sorted(unknown)}"


def test_docs_name_only_variables_that_exist():
    """A renamed or removed setting leaves no stale SEQCAST_* name on any page."""
    code = "".join(
        path.read_text()
        for folder in ("app", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "test_docs.py"
    )
    for path in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for name in set(ENV_NAME.findall(path.read_text())) - SETTINGS_ENV:
            assert name in OTHER_ENV and name in code, f"{path.name}: {name}"
