"""Import every rule module so that its rules register; the order is the families' order."""

from mindie_epcheck.rules import (  # noqa: F401
    expert,
    lengths,
    multinode,
    parallel,
    source,
    structure,
)
