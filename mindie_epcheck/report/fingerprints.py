"""Stable identities of findings, for CI systems that track a finding from run to run."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from mindie_epcheck.findings import Finding


def fingerprints(findings: Iterable[Finding]) -> list[str]:
    """Return one SHA-256 hex digest per finding, in the order given.

    The digest covers the file, the rule code, the JSON pointer and the occurrence index
    among earlier findings with the same three, so it is unique within one report. Lines,
    columns and the message are left out: an edit elsewhere in the file, or a message in
    the other language, keeps the identity.
    """
    # Imported here: hashlib costs milliseconds, and only some formats and baselines hash.
    import hashlib

    seen: Counter[tuple[str, str, str]] = Counter()
    digests: list[str] = []
    for finding in findings:
        key = (finding.file, finding.code, finding.pointer)
        occurrence = seen[key]
        seen[key] += 1
        # A JSON array keeps the fields apart, whatever characters the pointer contains.
        identity = json.dumps([*key, occurrence], ensure_ascii=True)
        digests.append(hashlib.sha256(identity.encode("ascii")).hexdigest())
    return digests
