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

c.CourseDirectory.course_id = "bp2yolo"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

# Release only notebooks: the lessons' helper package is imported from the installed bp2yolo.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store"]

# Autograding: a cell may take at most 120 s (BP2YOLO_CELL_TIMEOUT overrides it, e.g. in tests);
# a kernel that dies is not retried.
c.Execute.timeout = int(os.environ.get("BP2YOLO_CELL_TIMEOUT", "120"))
c.Execute.execute_retries = 0

# Feedback never shows hidden tests: neither their source nor tracebacks that quote them.
from feedback import HideHiddenTests  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
