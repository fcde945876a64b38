"""Import every rule module so that its rules register.

`all_rules` sorts the rules by code, so the order of these imports does not matter.
"""

from mindie_epcheck.rules import (  # noqa: F401
    cost,
    expert_blocks,
    expert_buffers,
    expert_layout,
    expert_level,
    lengths,
    multinode,
    parallel,
    parallel_cp_sp_pp,
    parallel_nodes,
    ranktable,
    ranktable_ids,
    service_settings,
    source,
    structure,
)
