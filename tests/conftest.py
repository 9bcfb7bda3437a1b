import os

# Headless plots everywhere, in-process and in kernels started by the tests.
os.environ.setdefault("MPLBACKEND", "Agg")
