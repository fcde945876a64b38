"""Output targets of `--format FORMAT[:PATH]`, and the atomic writes of report files.

A target without PATH goes to standard output, and at most one may. A report file is written
to a temporary file in the same folder and then renamed over PATH, so a reader never sees
half a report, and a failed write leaves the previous file in place.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TextIO

from mindie_epcheck.i18n import Text
from mindie_epcheck.os_errors import os_reason
from mindie_epcheck.report.base import RunReport
from mindie_epcheck.report.formats import make_reporter

# The first two messages follow click's "Invalid value for '--format': ".
UNKNOWN_FORMAT = Text(
    "{name!r} is not an output format; expected one of {names}, optionally followed by :PATH",
    "{name!r} 不是输出格式；应为 {names} 之一，后面可加 :PATH",
)
EMPTY_PATH = Text(
    "{value!r} has an empty PATH after ':'; write FORMAT:PATH, such as sarif:epcheck.sarif",
    "{value!r} 中 ':' 之后的 PATH 为空；应写作 FORMAT:PATH，如 sarif:epcheck.sarif",
)
TWO_STDOUT = Text(
    "--format {first} and --format {second} both write to standard output; add :PATH to "
    "all but one of them",
    "--format {first} 与 --format {second} 都写到标准输出；除其中一个外，请为其余格式加上 :PATH",
)
SAME_PATH = Text(
    "--format {first} and --format {second} write the same file; give each format its own PATH",
    "--format {first} 与 --format {second} 写入同一个文件；请为每个格式指定不同的 PATH",
)
INPUT_PATH = Text(
    "--format {value}: {path} is an input of this run and would be overwritten; choose "
    "another PATH",
    "--format {value}：{path} 是本次检查的输入文件，会被覆盖；请换一个 PATH",
)
IS_DIRECTORY = Text(
    "--format {value}: {path} is a directory; PATH must name a file",
    "--format {value}：{path} 是目录；PATH 应为文件路径",
)
NO_FOLDER = Text(
    "--format {value}: folder {folder} not found; create it or choose another PATH",
    "--format {value}：目录 {folder} 不存在；请先创建该目录，或换一个 PATH",
)
WRITE_FAILED = Text(
    "--format {value}: cannot write {path}: {reason}",
    "--format {value}：无法写入 {path}：{reason}",
)


class OutputError(Exception):
    """A `--format` value that cannot be followed, or a report file that cannot be written."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True, slots=True)
class OutputTarget:
    """One `--format` value: the format's name and its file (None for standard output)."""

    format: str
    path: str | None = None

    @property
    def value(self) -> str:
        """Return the option value as the user wrote it, for messages."""
        return self.format if self.path is None else f"{self.format}:{self.path}"


def parse_target(value: str, formats: Collection[str]) -> OutputTarget:
    """Parse `FORMAT` or `FORMAT:PATH`; only the first ':' separates, so PATH may hold more."""
    name, separator, path = value.partition(":")
    if name not in formats:
        raise OutputError(UNKNOWN_FORMAT.format(name=name, names=", ".join(formats)))
    if separator and not path:
        raise OutputError(EMPTY_PATH.format(value=value))
    return OutputTarget(name, path or None)


def check_targets(targets: Sequence[OutputTarget], inputs: Sequence[str]) -> None:
    """Raise OutputError unless the targets can all be written, before any file is linted.

    At most one target may go to standard output, no two targets may share a file, and no
    target may overwrite an input. Each PATH must be a file name in an existing folder.
    """
    to_stdout = [target for target in targets if target.path is None]
    if len(to_stdout) > 1:
        raise OutputError(TWO_STDOUT.format(first=to_stdout[0].value, second=to_stdout[1].value))
    input_files = {os.path.realpath(path) for path in inputs if path != "-"}
    claimed: dict[str, OutputTarget] = {}
    for target in targets:
        if target.path is None:
            continue
        resolved = os.path.realpath(target.path)
        if resolved in claimed:
            raise OutputError(SAME_PATH.format(first=claimed[resolved].value, second=target.value))
        claimed[resolved] = target
        if resolved in input_files:
            raise OutputError(INPUT_PATH.format(value=target.value, path=target.path))
        if os.path.isdir(target.path):
            raise OutputError(IS_DIRECTORY.format(value=target.value, path=target.path))
        folder = os.path.dirname(os.path.abspath(target.path))
        if not os.path.isdir(folder):
            raise OutputError(NO_FOLDER.format(value=target.value, folder=folder))


def new_file_mode(path: str) -> int:
    """Return the permissions the report file gets: those of the file it replaces, else
    the default for a new file under the current umask (mkstemp would give 0600)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        # os.umask can only be read by setting it; the CLI runs a single thread.
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _write_error(failure: Text, target: OutputTarget, error: OSError) -> OutputError:
    """Fill `failure` with the target and the reason, each in the language of its template."""
    reason = os_reason(error)
    fields = {"value": target.value, "path": target.path}
    return OutputError(
        Text(
            failure.en.format(**fields, reason=reason.en),
            failure.zh.format(**fields, reason=reason.zh),
        )
    )


def write_atomic(
    target: OutputTarget, render: Callable[[TextIO], None], failure: Text = WRITE_FAILED
) -> None:
    """Write the output of `render` to target.path as UTF-8 through a temporary file and
    os.replace. Raise OutputError with `failure` (fields value, path and reason) when the
    file cannot be written."""
    if target.path is None:
        raise ValueError(f"{target.value} has no PATH to write")
    # Imported here: tempfile costs milliseconds, and most runs write no file.
    import tempfile

    path = target.path
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = new_file_mode(path)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder
        )
    except OSError as error:
        raise _write_error(failure, target, error) from None
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            render(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        _remove_quietly(temporary)
        raise _write_error(failure, target, error) from None
    except BaseException:
        _remove_quietly(temporary)
        raise


def write_reports(run: RunReport, targets: Sequence[OutputTarget], stdout: TextIO) -> None:
    """Render the run once per target; stop at the first failed write.

    Report files come first, so that a reader which closes standard output early (such as
    `head`) cannot keep a report file from being written.
    """
    for target in sorted(targets, key=lambda target: target.path is None):
        reporter = make_reporter(target.format)
        if target.path is None:
            reporter.render(run, stdout)
        else:
            write_atomic(target, partial(reporter.render, run))
