"""nbgrader configuration for this repository's layout.

nbgrader only reads this file from the working directory or from JUPYTER_CONFIG_PATH. The
Makefile and grading/course.py set JUPYTER_CONFIG_PATH to this folder, so nbgrader run through
them always finds it, and never silently creates a second, empty gradebook somewhere else.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(ROOT, "tools")]  # for feedback.py and its regions.py

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

import paths  # noqa: E402 - grading/paths.py: every path and the gradebook URL, once


def _rel(path) -> str:
    return str(path.relative_to(paths.ROOT))


c.CourseDirectory.course_id = "bp2yolo"
c.CourseDirectory.root = str(paths.ROOT)
c.CourseDirectory.source_directory = _rel(paths.SOLUTIONS)
c.CourseDirectory.release_directory = _rel(paths.RELEASE)
c.CourseDirectory.submitted_directory = _rel(paths.SUBMITTED)
c.CourseDirectory.autograded_directory = _rel(paths.AUTOGRADED)
c.CourseDirectory.feedback_directory = _rel(paths.FEEDBACK)
c.CourseDirectory.db_url = paths.GRADEBOOK_URL

# Release only notebooks: the lessons' helper package is imported from the installed bp2yolo.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store"]

# nbgrader validate with this config (the tests, the formgrader): a cell may take at most 120 s
# (BP2YOLO_CELL_TIMEOUT overrides it); a kernel that dies is not retried.
c.Execute.timeout = int(os.environ.get("BP2YOLO_CELL_TIMEOUT", "120"))
c.Execute.execute_retries = 0

# nbgrader's own autograde (`nbgrader autograde`, the formgrader's button) is off: it would run
# submitted code unsandboxed, with its tests inside it. make grade grades (trusted.py).
from untrusted import RefuseUntrustedAutograde  # noqa: E402

c.Autograde.sanitize_preprocessors = [RefuseUntrustedAutograde]
c.Autograde.autograde_preprocessors = [RefuseUntrustedAutograde]

# Feedback never shows hidden tests: neither their source nor tracebacks that quote them. Every
# error shows as its hint, wrapped to 80 columns (and outputs wrap in the page); math is
# converted to HTML text, so the page reads without a network (see feedback.py).
from feedback import FeedbackStyle, HideHiddenTests, HintsFirst, MathToText  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [
    GetGrades, HideHiddenTests, HintsFirst, MathToText, CSSHTMLHeaderPreprocessor, FeedbackStyle,
]
