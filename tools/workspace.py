"""The learner's workspace: their own copies of the lessons and assignments.

`make lab` runs this before it starts JupyterLab on the workspace, so a learner's saves never touch
a tracked file and `git pull` of course updates never conflicts with their work.

For each notebook of every chapter in tools/chapters.py (its lesson and its released assignment):

- not in the workspace: copied in (a new chapter, or a copy the learner deleted to start over);
- in the workspace exactly as it was copied (the learner never saved it): replaced by the
  course's new version when the course's notebook changed;
- changed by the learner: never overwritten. When the course's notebook changes, its new version
  goes beside theirs as NAME.updated.ipynb, and this script says so. A learner who replaces their
  notebook with that file (rename it over theirs) gets later updates automatically again.

Every copy carries the metadata that JupyterLab writes into a notebook when its kernel starts:
`language_info` from the kernel's kernel_info reply and `kernelspec` as {name, display_name,
language}. The committed notebooks carry only `language_info: {name: python}`, so without this a
notebook would show unsaved changes as soon as it opens, and autosave would turn a notebook the
learner only read into a changed one.

The manifest workspace/.bp2yolo-workspace.json records, per notebook, the sha256 of the course
file it was copied from ("source") and of the bytes written ("written"), and for a notebook the
learner changed, the same two hashes of the NAME.updated.ipynb offered beside it ("updated").

    python tools/workspace.py [--workspace DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chapters  # noqa: E402

MANIFEST = ".bp2yolo-workspace.json"
Metadata = Callable[[str], dict]  # kernel name -> {"kernelspec": ..., "language_info": ...}


def course_notebooks() -> list[tuple[Path, str]]:
    """(course file, path in the workspace) for every chapter's lesson and released assignment."""
    files = []
    for chapter in chapters.CHAPTERS:
        files.append(chapter.lesson)
        if chapter.assignment:
            files.append(chapter.release)
    return [(path, path.relative_to(chapters.ROOT).as_posix()) for path in files]


def kernel_metadata(kernel_name: str) -> dict:
    """The notebook metadata JupyterLab writes once this kernel is running (see the docstring)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import start_new_kernel

    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    km, kc = start_new_kernel(kernel_name=kernel_name, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        msg_id = kc.kernel_info()
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {
        "kernelspec": {"name": kernel_name, "display_name": spec.display_name,
                       "language": spec.language},
        "language_info": reply["content"]["language_info"],
    }


def fill(source: bytes, metadata: Metadata) -> bytes:
    """The notebook `source` with the kernel's metadata filled in, written as Jupyter saves it."""
    import nbformat

    nb = nbformat.reads(source.decode("utf-8"), as_version=nbformat.NO_CONVERT)
    name = nb.metadata.get("kernelspec", {}).get("name", "python3")
    nb.metadata.update(metadata(name))
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def updated_name(rel: str, n: str = "") -> str:
    """'course/01_chain_rule.ipynb' -> 'course/01_chain_rule.updated.ipynb' (n: '-2' ...)."""
    stem, dot, suffix = rel.rpartition(".")
    return f"{stem}.updated{n}{dot}{suffix}"


def _beside(workspace: Path, rel: str, offered: dict | None) -> str:
    """Where a new version of `rel` goes: NAME.updated.ipynb, unless the learner edited that file
    (then NAME.updated-2.ipynb, -3 ...). An offered version is replaced only while untouched."""
    for n in range(1, 1000):
        beside = updated_name(rel, "" if n == 1 else f"-{n}")
        path = workspace / beside
        if not path.exists():
            return beside
        if offered and offered["path"] == beside and sha(path.read_bytes()) == offered["written"]:
            return beside
    raise RuntimeError(f"no free name beside {rel}")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def sync(workspace: Path, files: Iterable[tuple[Path, str]] | None = None,
         metadata: Metadata | None = None) -> list[str]:
    """Bring `workspace` up to date with the course; return one line per thing it did."""
    files = course_notebooks() if files is None else list(files)
    manifest_path = workspace / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    entries = manifest.setdefault("notebooks", {})
    cache: dict[str, dict] = {}

    def filled(source: bytes) -> bytes:
        def cached(name: str) -> dict:
            if name not in cache:
                cache[name] = (metadata or kernel_metadata)(name)
            return cache[name]
        return fill(source, cached)

    def record(rel: str, entry: dict) -> None:
        entries[rel] = entry
        _write(manifest_path, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())

    done = []
    for src, rel in files:
        source = src.read_bytes()
        dest, entry = workspace / rel, entries.get(rel)
        if not dest.exists():
            data = filled(source)
            _write(dest, data)
            record(rel, {"source": sha(source), "written": sha(data)})
            done.append(f"{'new' if entry is None else 'restored'}: {rel}")
            continue
        current = sha(dest.read_bytes())
        offered = (entry or {}).get("updated")
        if offered and current == offered["written"]:
            # The learner took the version we put beside theirs: it is pristine again.
            entry = {"source": offered["source"], "written": offered["written"]}
            beside = workspace / offered["path"]
            if beside.exists() and sha(beside.read_bytes()) == offered["written"]:
                beside.unlink()
            record(rel, entry)
        if entry is not None and current == entry["written"]:  # never saved by the learner
            if sha(source) != entry["source"]:
                data = filled(source)
                _write(dest, data)
                record(rel, {"source": sha(source), "written": sha(data)})
                done.append(f"updated: {rel}")
            continue
        # The learner's own notebook (or one this workspace has no record of): keep it.
        if sha(source) in ((entry or {}).get("source"), (offered or {}).get("source")):
            continue  # no course change since they started, or it is already beside theirs
        data = filled(source)
        if entry is None and sha(data) == current:  # no record, but it is the course's version
            record(rel, {"source": sha(source), "written": current})
            continue
        beside = _beside(workspace, rel, offered)
        _write(workspace / beside, data)
        record(rel, {"source": (entry or {}).get("source"), "written": (entry or {}).get("written"),
                     "updated": {"source": sha(source), "written": sha(data), "path": beside}})
        done.append(f"kept your {rel}: the course's new version is beside it, {beside}")
    return done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=chapters.ROOT / "workspace")
    workspace = parser.parse_args(argv).workspace.resolve()
    first = not (workspace / MANIFEST).exists()
    done = sync(workspace)
    if first:
        print(f"Copied the course into {workspace}.")
    else:
        for line in done:
            print(f"  {line}")
    print(f"Your work lives in {workspace}/: course/ has the lessons, assignments/ the\n"
          "exercises. JupyterLab opens there and every save stays there; the repository's own\n"
          "notebooks never change, so `git pull` never conflicts. After a pull, the next\n"
          "`make lab` copies in new chapters and refreshes every notebook you never saved; a\n"
          "notebook you changed is kept, and the course's new version goes beside it as\n"
          "NAME.updated.ipynb. Delete a copy to get a fresh one.")

if __name__ == "__main__":
    main()
