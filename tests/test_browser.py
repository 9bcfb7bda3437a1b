"""A learner's JupyterLab, driven in a real Chromium (Debian's chromium + playwright).

One `make lab` server for the module; for every lesson: open it from make lab's URL, Run All,
see no error output, then move one control of every widget and see its picture change. For one
assignment: enter a wrong answer that a hint names, press Validate, and see that hint in the
dialog, fully visible (no horizontal overflow). The instructor tools must be absent.
Skipped, with the reason, where chromium or playwright is missing (.ci/run installs chromium).
"""

from __future__ import annotations

import os

import chapters
import mutants_01
import pytest
import regions
from browser import (
    EXPOSE_APP,
    available,
    image_sources,
    launch,
    nudge,
    open_notebook,
    opens_unmodified,
    run_all,
)
from browser import widget_cells as find_widget_cells
from labserver import serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]
REASON = available()
if REASON:
    pytest.skip(f"browser tests skipped: {REASON}", allow_module_level=True)

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

ASSIGNMENT = chapters.by_name("01")
# A wrong answer the visible tests name: the loss without its 1/2 doubles every gradient.
WRONG = next(m for m in mutants_01.MUTANTS if m.name == "no_half_in_loss")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """make lab with its learner's workspace in a temporary folder: the test edits and saves."""
    env = {**os.environ, "LAB_WORKSPACE": str(tmp_path_factory.mktemp("workspace"))}
    with serve(EXPOSE_APP, env=env) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    yield page
    page.close()


def served_path(path) -> str:
    """A repository path as the served tree names it (make lab serves the learner's copy)."""
    return str(path.relative_to(chapters.ROOT))


@pytest.mark.parametrize("chapter", chapters.CHAPTERS, ids=lambda c: c.name)
def test_lesson_runs_and_its_widgets_respond(lab, page, chapter):
    open_notebook(page, lab.base, served_path(chapter.lesson), lab.token)
    assert opens_unmodified(page), f"{chapter.lesson.name} shows unsaved changes on opening"
    errors = run_all(page)
    assert not errors, f"{chapter.lesson.name}: Run All gave errors: {errors}"
    cells = find_widget_cells(page)
    for i in range(cells.count()):
        cell = cells.nth(i)
        cell.scroll_into_view_if_needed()
        before = image_sources(cell)
        moved = nudge(cell)
        try:
            page.wait_for_function(
                "([el, before]) => [...el.querySelectorAll('.jp-OutputArea img')]"
                ".map(e => e.src).join() !== before.join()",
                arg=[cell.element_handle(), before],
                timeout=15_000,
            )
        except PlaywrightTimeout:
            pytest.fail(f"widget {i} of {chapter.lesson.name}: no new picture after a {moved}")


def test_validate_shows_the_hint_fully_visible(lab, page):
    path = served_path(ASSIGNMENT.release)
    open_notebook(page, lab.base, path, lab.token)
    assert opens_unmodified(page), f"{path} shows unsaved changes on opening"
    answer = "\n".join(ln.text for ln in regions.parse(WRONG.source) if not ln.marker)
    page.evaluate(
        """([gid, source]) => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          const cell = nb.widgets.find(
            c => (c.model.getMetadata('nbgrader') || {}).grade_id === gid);
          cell.model.sharedModel.setSource(source);
        }""",
        [WRONG.cell, answer],
    )
    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).first.click()
    dialog = page.locator(".jp-Dialog #validation-message")
    dialog.wait_for(timeout=120_000)
    hint = dialog.locator("pre", has_text=WRONG.hint).first
    hint.wait_for()
    sizes = hint.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], f"the hint is cut off: scrollWidth {sizes[0]} > {sizes[1]}"
    assert hint.is_visible()


def test_instructor_tools_are_absent(lab, page):
    open_notebook(page, lab.base, served_path(chapters.CHAPTERS[0].lesson), lab.token)
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Run" in menus and "Nbgrader" not in menus, menus
    assert page.get_by_text("Create Assignment").count() == 0
    assert page.get_by_text("Formgrader").count() == 0
