"""Drive JupyterLab in a real Chromium, the way a learner does (tests/test_browser.py).

Debian's chromium with Python playwright, launched with executable_path; never
`playwright install`. `available()` says why these tests cannot run, or None.
JupyterLab is started with --LabApp.expose_app_in_browser=True, so the page can read the
notebook model (window.jupyterapp) to know when Run All has finished and which outputs are
errors; everything else is done with clicks and keys.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
EXPOSE_APP = "--LabApp.expose_app_in_browser=True"

KERNEL_IDLE = """(path) => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = nb && nb.context && nb.context.path === path && nb.sessionContext
    && nb.sessionContext.session && nb.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && !!nb.content;
}"""
ALL_RAN = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const session = nb && nb.sessionContext && nb.sessionContext.session;
  return !!session && !!session.kernel && session.kernel.status === 'idle'
    && nb.content.widgets.every(c => c.model.type !== 'code' || c.model.executionCount !== null);
}"""
ERRORS = """() => {
  const out = [];
  for (const cell of window.jupyterapp.shell.currentWidget.content.widgets) {
    if (cell.model.type !== 'code') continue;
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs.get(i).toJSON();
      if (o.output_type === 'error') out.push(`${o.ename}: ${o.evalue}`);
    }
  }
  return out;
}"""


# Once the kernel has told JupyterLab its language_info (JupyterLab writes it into the notebook's
# metadata), whether the notebook shows unsaved changes.
DIRTY_AFTER_KERNEL_INFO = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.session.kernel.info;
  const info = panel.content.model.getMetadata('language_info') || {};
  return [!!info.version, panel.context.model.dirty];
}"""


def available() -> str | None:
    """None when a browser test can run here, else the reason it cannot."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return "no chromium: install Debian's package (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no playwright: run `make setup`"
    return None


def launch(playwright):
    """Debian's chromium, headless. --no-sandbox: CI runs as root, where Chromium's sandbox
    refuses to start."""
    path = str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))
    return playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])


def open_notebook(page, base: str, path: str, token: str, timeout_ms: int = 90_000) -> None:
    """Open a notebook by its URL (`reset`: no tabs restored from an earlier page) and wait
    until it is the current tab and its kernel is idle."""
    page.goto(f"{base}/lab/tree/{path}?reset&token={token}")
    page.wait_for_function(KERNEL_IDLE, arg=path, timeout=timeout_ms, polling=250)


def opens_unmodified(page) -> bool:
    """Whether the current notebook has no unsaved changes once its kernel's metadata is in."""
    page.wait_for_function(
        "() => !!(window.jupyterapp.shell.currentWidget.content.model"
        ".getMetadata('language_info') || {}).version", polling=250, timeout=30_000)
    filled, dirty = page.evaluate(DIRTY_AFTER_KERNEL_INFO)
    return filled and not dirty


def run_all(page, timeout_ms: int = 120_000) -> list[str]:
    """Run All Cells from the Run menu; wait until every code cell ran; return the errors."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(ALL_RAN, timeout=timeout_ms, polling=500)
    return page.evaluate(ERRORS)


def widget_cells(page):
    """The cells whose output holds an ipywidget."""
    return page.locator(".jp-Notebook .jp-Cell:has(.jp-OutputArea .jupyter-widgets)")


def nudge(cell) -> str:
    """Move one control of the widget in `cell` as a learner would: the first slider one step
    right with the keyboard, or else click the first button. Returns what was moved."""
    handles = cell.locator(".noUi-handle")
    if handles.count():
        handles.first.focus()
        handles.first.press("ArrowRight")
        return "slider"
    cell.locator("button.jupyter-button").first.click()
    return "button"


def image_sources(cell) -> list[str]:
    """The src of every image in the cell's output (bp2yolo widgets draw into a W.Image)."""
    return cell.locator(".jp-OutputArea img").evaluate_all("els => els.map(e => e.src)")
