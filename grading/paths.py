"""Where the grader's files are: read by course.py and by nbgrader_config.py, so that the
gradebook's URL (and every runtime folder) is written down once."""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent  # grading/
ROOT = HERE.parent
SOLUTIONS = ROOT / "solutions"  # nbgrader's source directory
RELEASE = ROOT / "assignments"  # nbgrader's release directory
SUBMITTED = HERE / "submitted"
AUTOGRADED = HERE / "autograded"
FEEDBACK = HERE / "feedback"
LOGS = HERE / "logs"
GRADES_CSV = HERE / "grades.csv"
PROBLEMS_CSV = HERE / "problems.csv"
GRADEBOOK = HERE / "gradebook.db"
# SQLite in grading/ for one machine; BP2YOLO_GRADEBOOK_URL (make grade GRADEBOOK_URL=...) names
# another database, e.g. postgresql://grader@dbhost/bp2yolo for several graders at once
GRADEBOOK_URL = os.environ.get("BP2YOLO_GRADEBOOK_URL") or f"sqlite:///{GRADEBOOK}"
