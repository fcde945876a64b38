"""Shared pytest setup.

Hypothesis profiles: set HYPOTHESIS_PROFILE=long (or pass `--hypothesis-profile long`) to run
every property test with 20,000 examples instead of the few hundred of a normal run.
"""

import os

from hypothesis import settings

settings.register_profile("long", max_examples=20_000, deadline=None)

if "HYPOTHESIS_PROFILE" in os.environ:
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
