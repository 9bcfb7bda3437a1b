"""Helpers for the Backprop to YOLO course.

Modules:
    checks   rel_error, numerical gradients, grad_check, assert_close (hints that name the mistake)
    device   pick the device, time code (synchronising on CUDA)
    data     data sets: the 8x8 digits shipped in datasets/ (chapter 06), the spiral toy and
             chapter 07's synthetic shapes (generated)
    viz      plots used by the lessons
    widgets  interactive widgets used by the lessons

Nothing here solves a graded exercise.
"""

__version__ = "0.1.0"
