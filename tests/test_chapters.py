"""tools/chapters.py is the one list of the chapters, and it matches what is on disk.

This is the only place that globs for notebooks: to prove that none is left out of the list.
"""

from __future__ import annotations

import chapters
from harness import ROOT


def on_disk(pattern: str) -> set:
    return {p for p in ROOT.glob(pattern) if ".ipynb_checkpoints" not in p.parts}


def test_every_notebook_belongs_to_a_listed_chapter():
    assert on_disk("course/*.ipynb") == set(chapters.lessons())
    assert on_disk("solutions/*/*.ipynb") == set(chapters.sources())
    assert on_disk("assignments/*/*.ipynb") == set(chapters.releases())


def test_chapters_are_numbered_in_order_and_named_once():
    numbers = [c.number for c in chapters.CHAPTERS]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert all(len(n) == 2 and n.isdigit() for n in numbers)
    assert chapters.by_name("01").name == "01_chain_rule"
    assert chapters.by_name("01_chain_rule").number == "01"


def test_by_name_says_which_chapters_exist():
    try:
        chapters.by_name("99")
    except KeyError as exc:
        assert "00_start_here" in str(exc)
    else:
        raise AssertionError("by_name('99') should raise KeyError")
