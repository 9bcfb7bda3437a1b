"""nbgrader configuration for learners: what Validate shows (read through JUPYTER_CONFIG_PATH).

`make lab` puts this folder on JUPYTER_CONFIG_PATH, so the Validate button (and
`nbgrader validate`) lists each failing test as one line, `test_log_cosh_model (3 points)`,
followed by its hint wrapped to 80 columns, instead of the test's source and a full traceback;
on a lesson it says that there is nothing to validate and names the lesson's assignment. See
bp2yolo/validate.py. Instructors use grading/nbgrader_config.py instead.
"""

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

# A test cell may run as long as when it is graded (grading/nbgrader_config.py).
c.Execute.timeout = 120

try:
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput
    from nbgrader.validator import Validator

    from bp2yolo.validate import ExecuteAssignments, HintsFirst, print_error
except ImportError:  # bp2yolo not installed: nbgrader's own Validate output
    pass
else:
    # nbgrader 0.9.6 forgot to mark Validator.preprocessors configurable (GenerateFeedback's
    # and the others' are); mark it here, before nbgrader creates its Validator.
    Validator.preprocessors.tag(config=True)
    c.Validator.preprocessors = [CheckCellMetadata, ClearOutput, ExecuteAssignments, HintsFirst]
    # `nbgrader validate` in a terminal: two lines of layout per failing cell, not eight.
    Validator._print_error = print_error

# The report's first line (nbgrader's says the same on two lines).
c.Validator.failed_warning = (
    "VALIDATION FAILED ON {num_failed} CELL(S): submitted as it is, it will not get full credit.\n"
)
