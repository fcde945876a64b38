"""Shared pytest setup.

Hypothesis profiles: a normal run uses "repeatable", which draws the same examples every
time, so a red CI run is red for a reason one can reproduce. Set HYPOTHESIS_PROFILE=long (or
pass `--hypothesis-profile long`) to search 20,000 fresh random examples per property test.
"""

import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("long", max_examples=20_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
