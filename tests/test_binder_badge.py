"""The README's Binder badge never points at a made-up repository: it links to the README's own
explanation until `make binder-badge` derives the launch link from the clone's GitHub remote."""

import re
import subprocess
import sys
from pathlib import Path

import binder_badge
import pytest

ROOT = Path(__file__).resolve().parents[1]
URL = ("https://mybinder.org/v2/gh/ada/backprop-course/HEAD"
       "?urlpath=lab/tree/course/00_start_here.ipynb")


@pytest.mark.parametrize("remote", [
    "https://github.com/ada/backprop-course",
    "https://github.com/ada/backprop-course.git",
    "git@github.com:ada/backprop-course.git",
    "ssh://git@github.com/ada/backprop-course.git",
])
def test_launch_url_from_a_github_remote(remote):
    assert binder_badge.launch_url(remote) == URL


@pytest.mark.parametrize("remote", ["/srv/git/course", "https://gitlab.com/ada/course.git", ""])
def test_a_remote_that_is_not_on_github_is_refused_with_its_name(remote):
    with pytest.raises(ValueError, match="is not a GitHub repository"):
        binder_badge.launch_url(remote)


def test_committed_badge_links_to_the_readmes_explanation_or_to_its_own_repository():
    readme = (ROOT / "README.md").read_text()
    target = binder_badge.badge_target(readme)
    if target == binder_badge.PLACEHOLDER:
        headings = re.findall(r"^#+ (.+)$", readme, re.M)
        anchors = {"#" + re.sub(r"[^\w -]", "", h).strip().lower().replace(" ", "-")
                   for h in headings}
        assert target in anchors, "the badge's section is gone"
        section = readme.split("## Run it on Binder")[1].split("\n## ")[0]
        assert "make binder-badge" in section
    else:
        assert target == binder_badge.launch_url(binder_badge.origin()), (
            "the badge names another repository than origin: run make binder-badge")


def test_make_binder_badge_writes_the_derived_link_into_a_clones_readme(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "init", "--quiet", str(clone)], check=True)
    subprocess.run(["git", "remote", "add", "origin", "git@github.com:ada/backprop-course.git"],
                   cwd=clone, check=True)
    readme = clone / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    (clone / "tools").mkdir()
    tool = clone / "tools" / "binder_badge.py"
    tool.write_bytes((ROOT / "tools" / "binder_badge.py").read_bytes())
    out = subprocess.run([sys.executable, str(tool), "--readme"], cwd=clone,
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == URL
    assert binder_badge.badge_target(readme.read_text()) == URL
    before, after = (ROOT / "README.md").read_text().splitlines(), readme.read_text().splitlines()
    assert [a for a, b in zip(before, after, strict=True) if a != b] == [before[2]]


def test_no_origin_says_how_to_add_one(tmp_path):
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    with pytest.raises(ValueError, match="git remote add origin"):
        binder_badge.origin(tmp_path)
