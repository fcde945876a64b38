"""`--format jsonl`: JSON Lines, one object per finding with the fields of `--format json`."""

from __future__ import annotations

import json
from typing import TextIO

from mindie_epcheck.report.base import RunReport
from mindie_epcheck.report.json_format import finding_record


class JsonLinesReporter:
    def render(self, run: RunReport, stream: TextIO) -> None:
        for finding in run.findings:
            # json.dumps escapes line breaks inside strings, so each record stays one line.
            stream.write(json.dumps(finding_record(finding, run.lang), ensure_ascii=False) + "\n")
