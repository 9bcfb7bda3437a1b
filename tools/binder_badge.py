"""The README's Binder badge: the launch link of this repository, derived from its GitHub remote.

The committed badge links to the README's "Run it on Binder" section, which explains this: a
course has no launch link until it lives on GitHub, and a made-up one fails when clicked. A fork
(or the course's own home, once published) runs `make binder-badge`, which derives the link from
`git remote get-url origin` and writes it into the badge; the README says so.

    python tools/binder_badge.py            # print the launch link
    python tools/binder_badge.py --readme   # and write it into README.md's badge
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# The lesson Binder opens, relative to the folder it serves (binder/start: workspace/).
URLPATH = "lab/tree/course/00_start_here.ipynb"
BADGE = re.compile(r"^\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]\((?P<target>[^)]*)\)$",
                   re.M)
PLACEHOLDER = "#run-it-on-binder"
GITHUB = re.compile(
    r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?/?$"
)


def launch_url(remote: str) -> str:
    """mybinder.org's link that builds `remote`'s default branch and opens lesson 00."""
    match = GITHUB.match(remote.strip())
    if not match:
        raise ValueError(
            f"{remote!r} is not a GitHub repository (https://github.com/OWNER/REPO or "
            "git@github.com:OWNER/REPO): make the link by hand at https://mybinder.org"
        )
    return f"https://mybinder.org/v2/gh/{match['owner']}/{match['repo']}/HEAD?urlpath={URLPATH}"


def badge_target(readme: str) -> str:
    """Where the README's Binder badge links to."""
    match = BADGE.search(readme)
    if not match:
        raise ValueError("README.md has no Binder badge line ([![Binder](...badge_logo.svg)](...))")
    return match["target"]


def with_badge(readme: str, url: str) -> str:
    badge_target(readme)  # it must be there
    return BADGE.sub(lambda m: m[0].replace(f"({m['target']})", f"({url})"), readme, count=1)


def origin(root: Path = ROOT) -> str:
    proc = subprocess.run(["git", "remote", "get-url", "origin"], cwd=root,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ValueError("this clone has no remote named origin: "
                         "git remote add origin https://github.com/OWNER/REPO")
    return proc.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readme", action="store_true", help="write the link into README.md")
    args = parser.parse_args(argv)
    try:
        url = launch_url(origin())
        if args.readme:
            README.write_text(with_badge(README.read_text(), url))
    except ValueError as err:
        print(f"binder: {err}", file=sys.stderr)
        return 1
    print(url)
    if args.readme:
        print("README.md's Binder badge now links there: commit README.md.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
