"""nbgrader's own autograde, turned off: it would run submitted code with the grader's rights and
its tests inside the submission's process. `make grade` grades instead (grading/trusted.py).

nbgrader_config.py gives nbgrader's Autograde this preprocessor alone, so `nbgrader autograde`
and the formgrader's autograde button stop at once, with the reason, before any submitted code
runs.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

MESSAGE = ("nbgrader's autograde is turned off in this course: it runs submitted code unsandboxed "
           "and lets it pass its own tests. Grade with `make grade` (see the README's trusted "
           "grading).")


class RefuseUntrustedAutograde(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        raise RuntimeError(MESSAGE)
