"""nbgrader's exchange on the course's JupyterHub (deploy/jupyterhub/README.md).

Every user pod reads this file: config.yaml puts this folder of the image (/srv/repo) on
JUPYTER_CONFIG_PATH, after jupyter/learner for learners and after ~/bp2yolo/grading for
instructors; their own nbgrader_config.py keep their settings and win where both set one.
"""

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

# The shared ReadWriteMany volume (PVC nbgrader-exchange) that config.yaml mounts in every pod.
# nbgrader keeps bp2yolo/outbound (releases), bp2yolo/inbound (submissions) and
# bp2yolo/feedback in it.
c.Exchange.root = "/srv/nbgrader/exchange"
# The course's id, as in grading/nbgrader_config.py.
c.CourseDirectory.course_id = "bp2yolo"

# Learners: `nbgrader submit 01_chain_rule` sends ~/workspace/assignments/01_chain_rule, their
# copy that the pod's start made, from whatever folder they type it in.
c.Exchange.assignment_dir = "/home/jovyan/workspace/assignments"

# Every pod runs as the same Unix user (jovyan, uid 1000). nbgrader names a submission after
# JUPYTERHUB_USER there, so collect's check that a submission's owner is its student would
# warn about every one of them.
c.ExchangeCollect.check_owner = False
