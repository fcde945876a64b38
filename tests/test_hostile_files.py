"""Hostile input files: epcheck ends with a finding or a one-line error, within bounds.

Every test runs the real command line (`python -m mindie_epcheck`) in a child process and
measures that child alone. It checks the wall time from start to exit and the peak resident
set size (ru_maxrss, in KiB on Linux) that os.wait4 returns for the child, as run_child
explains. The second group checks that epcheck writes nothing and opens no file in a model
weight directory except config.json.

The inputs are generated under pytest's tmp_path, so no large file is committed.
"""

from __future__ import annotations

import json
import os
import pwd
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mindie_epcheck.source.document import MAX_FILE_BYTES
from mindie_epcheck.source.parser import ProblemKind, parse

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="the bounds read ru_maxrss as KiB and VmHWM from /proc, as Linux reports them",
)

REPO = Path(__file__).resolve().parents[1]
SEED_CONFIG = REPO / "samples" / "seed" / "ep-level-2-dual-node.config.json"
SEED_RANKTABLE = REPO / "samples" / "seed" / "ranktable-2x8.json"
DEEPSEEK_R1_PRESET = REPO / "mindie_epcheck" / "model" / "data" / "presets" / "deepseek-r1.json"
SEED_WEIGHT_PATH = "/data/weights/DeepSeek-R1_w8a8"


@dataclass(frozen=True)
class Bound:
    """Limits on one child process: wall time in seconds and peak RSS in MiB."""

    seconds: float
    max_rss_mib: float


# Bounds for a shared 2-core CI machine. On a 2-core Linux VM with Python 3.11, starting the
# CLI on a small file took 0.3 s and 22 MiB, and the 50 MB file, rejected by its size without
# parsing, 0.3 s and 32 MiB. So 5 s and 100 MiB leave room for a loaded machine but still
# catch a blocking open or a read of the whole file.
REJECT_BOUND = Bound(seconds=5.0, max_rss_mib=100)
# Every other input, up to a 10 MB line that epcheck parses (measured: 0.4 s, 50 MiB) and
# `epcheck simulate` (0.4 s, 46 MiB).
NORMAL_BOUND = Bound(seconds=10.0, max_rss_mib=150)
# The 50 MB file is read up to MAX_FILE_BYTES + 1 (10 MiB), so its run may use that much more
# memory than a run on a 2-byte file. A read of the whole file would add 50 MiB.
MAX_EXTRA_RSS_FOR_SIZE_REJECT_MIB = 25

EN_ERROR_PREFIX = "epcheck: error: "
ZH_ERROR_PREFIX = "epcheck：错误："
# Variables that choose epcheck's language. Each child starts with none of them but
# LANG=C.UTF-8, which selects English, so the shell running pytest cannot change a message.
LANGUAGE_VARIABLES = ("EPCHECK_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


@dataclass(frozen=True)
class ChildRun:
    """Output and resource usage of one child. exit_code is None when the test killed it."""

    exit_code: int | None
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mib: float
    killed_for: str

    @property
    def codes(self) -> set[str]:
        """Rule codes that the report mentions, such as EP001."""
        return set(re.findall(r"\bEP\d{3}\b", self.stdout))


def child_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in LANGUAGE_VARIABLES}
    env["LANG"] = "C.UTF-8"
    env.update(overrides or {})
    return env


# Script that starts the command in argv[4:], measures it and writes the result as JSON to
# the file descriptor in argv[1]. It kills the command once it runs longer than argv[2] seconds or its
# peak RSS so far (VmHWM) passes argv[3] KiB, so a hang or a blow-up fails fast instead of
# stalling the machine. The reported peak is ru_maxrss from os.wait4, for that one process.
MEASURER = r"""
import json
import os
import re
import subprocess
import sys
import time

result_fd = int(sys.argv[1])
max_seconds = float(sys.argv[2])
max_rss_kib = int(sys.argv[3])
command = sys.argv[4:]


def peak_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as stream:
            status = stream.read()
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


start = time.monotonic()
process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
killed_for = ""
while True:
    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
    if pid == process.pid:
        break
    if time.monotonic() - start > max_seconds:
        killed_for = f"still running after {max_seconds} s"
    elif peak_kib(process.pid) > max_rss_kib:
        killed_for = f"peak RSS passed {max_rss_kib // 1024} MiB"
    if killed_for:
        process.kill()
        _, status, usage = os.wait4(process.pid, 0)
        break
    time.sleep(0.02)
seconds = time.monotonic() - start
# Tell Popen that the process is reaped, so that it does not wait for it again.
process.returncode = os.waitstatus_to_exitcode(status)
with os.fdopen(result_fd, "w") as stream:
    json.dump(
        {
            "exit_code": None if killed_for else process.returncode,
            "seconds": seconds,
            "max_rss_kib": usage.ru_maxrss,
            "killed_for": killed_for,
        },
        stream,
    )
"""
# Time the measuring process may take beyond the bound of the command it runs.
MEASURER_GRACE_SECONDS = 10.0


def run_child(
    command: Sequence[str],
    bound: Bound,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ChildRun:
    """Run `command` to its end under MEASURER and return its output and measurements.

    The command is not started from pytest itself, because Linux counts the peak RSS that a
    process had before exec in its ru_maxrss, and a child that pytest starts with vfork has
    pytest's memory until exec. Such a child reports at least pytest's own peak: 313 MiB for
    `python -c pass` once the parent had touched 300 MiB (Linux 6.18, Python 3.11).
    MEASURER is a `python -S` process of about 11 MiB, so the figure it gets from os.wait4
    is the command's own.
    """
    read_fd, write_fd = os.pipe()
    measurer_command = [
        sys.executable,
        "-S",
        "-c",
        MEASURER,
        str(write_fd),
        str(bound.seconds),
        str(int(bound.max_rss_mib * 1024)),
        *command,
    ]
    with (
        os.fdopen(read_fd, "rb") as results,
        tempfile.TemporaryFile() as stdout,
        tempfile.TemporaryFile() as stderr,
    ):
        try:
            measurer = subprocess.Popen(
                measurer_command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                cwd=cwd,
                env=child_env() if env is None else dict(env),
                pass_fds=(write_fd,),
            )
        finally:
            os.close(write_fd)
        try:
            measurer.wait(timeout=bound.seconds + MEASURER_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            measurer.kill()
            measurer.wait()
            raise
        stdout.seek(0)
        stderr.seek(0)
        error_text = stderr.read().decode("utf-8", errors="replace")
        assert measurer.returncode == 0, f"the measuring process failed: {error_text}"
        result = json.loads(results.read())
        return ChildRun(
            exit_code=result["exit_code"],
            stdout=stdout.read().decode("utf-8", errors="replace"),
            stderr=error_text,
            seconds=result["seconds"],
            peak_rss_mib=result["max_rss_kib"] / 1024,
            killed_for=result["killed_for"],
        )


def epcheck_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "mindie_epcheck", *(str(arg) for arg in args)]


def run_epcheck(
    *args: str | Path,
    bound: Bound,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ChildRun:
    return run_child(epcheck_command(*args), bound, cwd, env)


def assert_within(run: ChildRun, bound: Bound) -> None:
    assert not run.killed_for, f"killed: {run.killed_for}"
    assert run.seconds <= bound.seconds, f"took {run.seconds:.2f} s, bound {bound.seconds} s"
    assert run.peak_rss_mib <= bound.max_rss_mib, (
        f"peak RSS {run.peak_rss_mib:.0f} MiB, bound {bound.max_rss_mib} MiB"
    )


def assert_finding(run: ChildRun, code: str) -> None:
    """Assert an ordinary lint result: no traceback, exit code 1 and a finding `code`."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.exit_code == 1, run.stderr or run.stdout[:2000]
    assert code in run.codes, run.stdout[:2000]


def assert_input_error(run: ChildRun, path: Path, prefix: str, reason: str) -> None:
    """Assert exit code 2 with one line on stderr that names `path` and gives `reason`."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.exit_code == 2, run.stderr or run.stdout[:2000]
    message = run.stderr.strip()
    assert "\n" not in message, message
    assert message.startswith(prefix), message
    assert str(path) in message, message
    assert reason in message, message


def seed_text() -> str:
    return SEED_CONFIG.read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the seed config"
    return text.replace(old, new)


@pytest.fixture(scope="module")
def baseline_peak_mib(tmp_path_factory: pytest.TempPathFactory) -> float:
    """Peak RSS of `epcheck validate` on a 2-byte file: the cost of starting the CLI."""
    path = tmp_path_factory.mktemp("baseline") / "config.json"
    path.write_text("{}")
    run = run_epcheck("validate", path, bound=NORMAL_BOUND)
    assert_within(run, NORMAL_BOUND)
    return run.peak_rss_mib


# ---------------------------------------------------------------- inputs that lint to findings


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(random.Random(20240611).randbytes(256 * 1024))

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP001")
    assert "EP007" in run.codes


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    data = seed_text().encode("utf-8")
    path.write_bytes(data.replace(b"DeepSeek-R1_w8a8", b"DeepSeek-R1_w8a8\xff\xfe\xc3", 1))

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP007")


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    # Python's "utf-16" codec writes a byte order mark first.
    path.write_bytes(seed_text().encode("utf-16"))

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP007")
    assert "UTF-16" in run.stdout


def test_50_mb_file_rejected_unparsed(tmp_path: Path, baseline_peak_mib: float) -> None:
    # 50 MiB of valid JSON with five million small objects and a duplicate key at the very
    # end. A parse would report the duplicate (EP004) and take far longer than the bound.
    item = b'{"k": 1}, '
    count = 50 * 1024 * 1024 // len(item)
    data = b'{"a": [' + item * count + b'{"k": 1}], "a": 2}'
    assert len(data) > MAX_FILE_BYTES
    path = tmp_path / "config.json"
    path.write_bytes(data)

    run = run_epcheck("validate", path, bound=REJECT_BOUND)

    assert_within(run, REJECT_BOUND)
    assert_finding(run, "EP008")
    assert run.codes == {"EP008"}
    extra_mib = run.peak_rss_mib - baseline_peak_mib
    assert extra_mib <= MAX_EXTRA_RSS_FOR_SIZE_REJECT_MIB, (
        f"used {extra_mib:.0f} MiB more than a run on a 2-byte file"
    )


def ten_mb_line_config() -> bytes:
    """Return the seed config on one line of 10,000,000 bytes, ending in a trailing comma."""
    compact = json.dumps(json.loads(seed_text()), separators=(",", ":"))
    head = compact[:-1] + ',"padding":"'
    tail = '",}'
    size = 10_000_000
    return (head + "x" * (size - len(head) - len(tail)) + tail).encode("utf-8")


def test_10_mb_line(tmp_path: Path) -> None:
    data = ten_mb_line_config()
    # The line is under MindIE's 10 MiB limit, so epcheck parses it and reports on it.
    assert len(data) < MAX_FILE_BYTES
    assert data.count(b"\n") == 0
    path = tmp_path / "config.json"
    path.write_bytes(data)

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP003")
    # The report quotes an excerpt around the comma, not the whole line.
    assert len(run.stdout) < 100_000


@pytest.mark.parametrize(
    ("head", "item", "tail"),
    [('{"a": [', "0,", "0]}"), ("{", '"k":0,', '"k":0}')],
    ids=["array-items", "object-members"],
)
def test_10_mb_of_values(tmp_path: Path, head: str, item: str, tail: str) -> None:
    # Millions of values, under MindIE's 10 MB limit: parsing stops at 100,000 values.
    size = 10_000_000
    data = (head + item * ((size - len(head) - len(tail)) // len(item)) + tail).encode("ascii")
    assert len(data) < MAX_FILE_BYTES
    path = tmp_path / "config.json"
    path.write_bytes(data)

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP001")
    assert "100,000" in run.stdout


def test_deep_nesting(tmp_path: Path) -> None:
    levels = 100_000
    path = tmp_path / "config.json"
    path.write_text('{"a": ' * levels + "1" + "}" * levels)

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP001")
    assert "512" in run.stdout


def test_number_1e400(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(replace_once(seed_text(), '"maxSeqLen": 2560', '"maxSeqLen": 1e400'))

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP006")


def test_400_digit_tp(tmp_path: Path) -> None:
    # nlohmann::json reads an integer too big for 64 bits as a double. 400 digits overflow a
    # double, so MindIE rejects the file (out_of_range.406).
    path = tmp_path / "config.json"
    path.write_text(replace_once(seed_text(), '"tp": 8', '"tp": ' + "9" * 400))

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP006")


# The largest double is 1.7976931348623157e308, and values from about 1.7976931348623158e308
# round to infinity.
@pytest.mark.parametrize(
    ("token", "overflows"),
    [
        pytest.param("9" * 308, False, id="308-digits"),
        pytest.param("-" + "9" * 308, False, id="negative-308-digits"),
        pytest.param("17976931348623157" + "0" * 292, False, id="max-double"),
        pytest.param("17976931348623159" + "0" * 292, True, id="past-max-double"),
        pytest.param("-" + "9" * 400, True, id="negative-400-digits"),
        pytest.param("9" * 5000, True, id="5000-digits"),
    ],
)
def test_integer_overflow_boundary(token: str, overflows: bool) -> None:
    result = parse("[" + token + "]")

    assert result.error is None
    kinds = [problem.kind for problem in result.problems]
    assert (ProblemKind.NUMBER_RANGE in kinds) == overflows
    value = result.root.value[0] if result.root is not None else None
    if overflows:
        assert value in (float("inf"), float("-inf"))
    else:
        assert value == int(token)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"Version": "1.0.0", "\\ud800": 1}', id="key"),
        pytest.param('{"Version": "1.0.0", "modelName": "a\\ud800b"}', id="value"),
    ],
)
def test_lone_surrogate(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(text)

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP001")


def test_raw_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    data = seed_text().encode("utf-8")
    path.write_bytes(b"{\x00" + data[1:] + b"\x00")

    run = run_epcheck("validate", path, bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    assert_finding(run, "EP001")
    assert "U+0000" in run.stdout


# ---------------------------------------------------------------- inputs that are usage errors


@dataclass(frozen=True)
class InputErrorCase:
    """A path that epcheck cannot lint, and the reason its error must give in each language."""

    make: Callable[[Path], Path]
    english: str
    chinese: str
    bound: Bound


def make_fifo(folder: Path) -> Path:
    path = folder / "config.json"
    os.mkfifo(path)
    return path


def make_directory(folder: Path) -> Path:
    path = folder / "config.json"
    path.mkdir()
    return path


def make_symlink_loop(folder: Path) -> Path:
    first, second = folder / "a.json", folder / "b.json"
    first.symlink_to(second)
    second.symlink_to(first)
    return first


def make_missing(folder: Path) -> Path:
    return folder / "missing.json"


INPUT_ERROR_CASES = {
    # A FIFO with no writer would block a plain open() forever.
    "fifo": InputErrorCase(make_fifo, "not a regular file", "不是普通文件", REJECT_BOUND),
    "directory": InputErrorCase(make_directory, "is a directory", "是目录", NORMAL_BOUND),
    "symlink-loop": InputErrorCase(
        make_symlink_loop, "symbolic links", "符号链接层数过多", NORMAL_BOUND
    ),
    "missing": InputErrorCase(make_missing, "file not found", "文件不存在", NORMAL_BOUND),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(INPUT_ERROR_CASES))
def test_input_error(tmp_path: Path, name: str, lang: str) -> None:
    case = INPUT_ERROR_CASES[name]
    path = case.make(tmp_path)

    run = run_epcheck("validate", path, "--lang", lang, bound=case.bound)

    assert_within(run, case.bound)
    if lang == "zh":
        assert_input_error(run, path, ZH_ERROR_PREFIX, case.chinese)
    else:
        assert_input_error(run, path, EN_ERROR_PREFIX, case.english)


@pytest.mark.parametrize(
    "variables",
    [
        pytest.param({"EPCHECK_LANG": "zh"}, id="EPCHECK_LANG"),
        pytest.param({"LANG": "zh_CN.UTF-8"}, id="LANG"),
    ],
)
def test_input_error_language_from_environment(tmp_path: Path, variables: dict[str, str]) -> None:
    path = make_missing(tmp_path)

    run = run_epcheck("validate", path, bound=NORMAL_BOUND, env=child_env(variables))

    assert_within(run, NORMAL_BOUND)
    assert_input_error(run, path, ZH_ERROR_PREFIX, "文件不存在")


# ---------------------------------------------------------------- an unreadable file

UNREADABLE_REASONS = {"en": "cannot read the file", "zh": "无法读取文件"}
UNREADABLE_PREFIXES = {"en": EN_ERROR_PREFIX, "zh": ZH_ERROR_PREFIX}

# Script that exits 0 when the interpreter imports epcheck but cannot open the file in argv[1].
UNREADABLE_PROBE = """
import sys
import mindie_epcheck.cli.main
try:
    open(sys.argv[1], "rb").close()
except PermissionError:
    sys.exit(0)
sys.exit(3)
"""


def write_unreadable(folder: Path) -> Path:
    path = folder / "config.json"
    path.write_text("{}")
    path.chmod(0)
    return path


def probe_unreadable(prefix: Sequence[str], path: Path, cwd: Path) -> str:
    """Return why `prefix` cannot test an unreadable file, or "" when it can."""
    command = [*prefix, sys.executable, "-c", UNREADABLE_PROBE, str(path)]
    probe = run_child(command, NORMAL_BOUND, cwd=cwd)
    if probe.exit_code == 0:
        return ""
    if probe.exit_code == 3:
        return f"{' '.join(prefix)} can still read a file of mode 000"
    last_line = (probe.stderr.strip().splitlines() or ["no output"])[-1]
    return f"{' '.join(prefix)} cannot run epcheck with {sys.executable}: {last_line}"


def check_unreadable(prefix: Sequence[str], path: Path, cwd: Path) -> None:
    for lang in ("en", "zh"):
        command = [*prefix, *epcheck_command("validate", path, "--lang", lang)]
        run = run_child(command, NORMAL_BOUND, cwd=cwd)
        assert_within(run, NORMAL_BOUND)
        assert_input_error(run, path, UNREADABLE_PREFIXES[lang], UNREADABLE_REASONS[lang])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_unreadable_file(tmp_path: Path) -> None:
    check_unreadable([], write_unreadable(tmp_path), tmp_path)


@pytest.fixture
def traversable_folder() -> Iterator[Path]:
    """Yield a new folder that every user can enter, because pytest's tmp_path is not."""
    folder = Path(tempfile.mkdtemp(prefix="epcheck-unreadable-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def switch_user_prefix(user: pwd.struct_passwd) -> list[str]:
    if shutil.which("setpriv"):
        return [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
        ]
    if shutil.which("runuser"):
        return ["runuser", "-u", user.pw_name, "--"]
    return []


def test_unreadable_file_as_other_user(traversable_folder: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can switch users; test_unreadable_file covers this user")
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user named nobody")
    prefix = switch_user_prefix(user)
    if not prefix:
        pytest.skip("neither setpriv nor runuser is installed")
    path = write_unreadable(traversable_folder)
    problem = probe_unreadable(prefix, path, traversable_folder)
    if problem:
        pytest.skip(problem)

    check_unreadable(prefix, path, traversable_folder)


def test_unreadable_file_without_dac_capabilities(tmp_path: Path) -> None:
    # Root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH obeys file modes, and unlike
    # another user it can still read a Python installed under /root.
    if os.geteuid() != 0:
        pytest.skip("only root holds the capabilities to drop")
    if not shutil.which("setpriv"):
        pytest.skip("setpriv is not installed")
    prefix = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]
    path = write_unreadable(tmp_path)
    problem = probe_unreadable(prefix, path, tmp_path)
    if problem:
        pytest.skip(problem)

    check_unreadable(prefix, path, tmp_path)


# ---------------------------------------------------------------- epcheck writes nothing


def snapshot(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Map each path under `root`, and root itself, to its mtime in ns and its bytes."""
    entries: dict[str, tuple[int, bytes | None]] = {}
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        entries[str(path.relative_to(root))] = (info.st_mtime_ns, data)
    return entries


@pytest.mark.parametrize("where", ["absolute-path", "cwd"])
def test_runs_leave_directory_unchanged(tmp_path: Path, where: str) -> None:
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    shutil.copy2(SEED_CONFIG, deploy / "config.json")
    shutil.copy2(SEED_RANKTABLE, deploy / "ranktable.json")
    if where == "cwd":
        cwd, config, ranktable = deploy, Path("config.json"), Path("ranktable.json")
    else:
        cwd = tmp_path / "elsewhere"
        cwd.mkdir()
        config, ranktable = deploy / "config.json", deploy / "ranktable.json"
    before = snapshot(deploy)

    commands = [
        ("validate", config, "--ranktable", ranktable, "--interconnect", "switch"),
        ("simulate", config, "--ranktable", ranktable),
    ]
    for args in commands:
        run = run_epcheck(*args, bound=NORMAL_BOUND, cwd=cwd)
        assert_within(run, NORMAL_BOUND)
        assert "Traceback" not in run.stderr, run.stderr
        assert run.exit_code in (0, 1), run.stderr

    after = snapshot(deploy)
    assert sorted(after) == sorted(before)
    assert after == before


# ---------------------------------------------------------------- what epcheck opens

# Script that runs epcheck in its own interpreter under an audit hook. It writes every file
# opened, folder listed, change to the file system and process started to the JSON file
# named by argv[1]. The other arguments are epcheck's.
AUDIT_RUNNER = r"""
import json
import os
import runpy
import sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
CHANGES = {
    "os.chmod", "os.chown", "os.link", "os.mkdir", "os.remove", "os.rename", "os.rmdir",
    "os.symlink", "os.truncate", "os.utime",
}
LISTINGS = {"os.listdir", "os.scandir"}
SPAWNS = {"os.exec", "os.fork", "os.posix_spawn", "os.spawn", "os.system", "subprocess.Popen"}
log_path = sys.argv[1]
records = []
recording = True


def path_text(value):
    if isinstance(value, (str, bytes, os.PathLike)):
        return os.path.abspath(os.fsdecode(value))
    return repr(value)


def record(event, args):
    if not recording:
        return
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int):
            return
        writes = bool((flags or 0) & WRITE_FLAGS) or any(c in (mode or "") for c in "wax+")
        records.append({"kind": "write" if writes else "read", "path": path_text(path)})
    elif event in LISTINGS:
        path = args[0] if args and args[0] is not None else "."
        records.append({"kind": "read", "path": path_text(path)})
    elif event in CHANGES:
        records.append({"kind": "write", "path": path_text(args[0])})
    elif event in SPAWNS:
        records.append({"kind": "spawn", "path": event})


sys.addaudithook(record)
sys.argv = ["epcheck", *sys.argv[2:]]
try:
    runpy.run_module("mindie_epcheck", run_name="__main__", alter_sys=True)
finally:
    recording = False
    with open(log_path, "w", encoding="utf-8") as stream:
        json.dump(records, stream)
"""


@dataclass(frozen=True)
class WeightLayout:
    """A modelWeightPath and the files that epcheck may open in and around it."""

    model_weight_path: str
    # Folders and files in which epcheck may open nothing except `allowed`.
    guarded: tuple[Path, ...]
    # The weights' config.json, which epcheck opens. None means it must open nothing.
    allowed: Path | None
    bound: Bound


def write_hf_config(folder: Path) -> None:
    preset = json.loads(DEEPSEEK_R1_PRESET.read_text(encoding="utf-8"))
    config = {key: value for key, value in preset.items() if not key.startswith("_")}
    # A real config names its modelling code, and epcheck must not open that file.
    config["auto_map"] = {"AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM"}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def write_other_weight_files(folder: Path) -> None:
    for name in ("modeling_deepseek.py", "tokenizer.json", "model.safetensors.index.json"):
        (folder / name).write_text("{}")
    (folder / "model-00001-of-00163.safetensors").write_bytes(b"\0" * 1024)


def layout_oversized(root: Path) -> WeightLayout:
    weights = root / "DeepSeek-R1"
    weights.mkdir()
    write_other_weight_files(weights)
    # A sparse 200 MiB file costs no disk space, but reading it would pass the memory bound.
    with (weights / "config.json").open("wb") as stream:
        stream.truncate(200 * 1024 * 1024)
    return WeightLayout(str(weights), (weights,), weights / "config.json", REJECT_BOUND)


def layout_fifo(root: Path) -> WeightLayout:
    weights = root / "DeepSeek-R1"
    weights.mkdir()
    write_other_weight_files(weights)
    os.mkfifo(weights / "config.json")
    return WeightLayout(str(weights), (weights,), weights / "config.json", REJECT_BOUND)


def layout_traversal(root: Path) -> WeightLayout:
    start = root / "models" / "DeepSeek-R1"
    start.mkdir(parents=True)
    write_hf_config(start)
    target = root / "private"
    target.mkdir()
    write_hf_config(target)
    write_other_weight_files(target)
    (target / "id_rsa").write_text("not a key")
    path = f"{start}/../../private"
    return WeightLayout(path, (root / "models", target), target / "config.json", NORMAL_BOUND)


def layout_file(root: Path) -> WeightLayout:
    weights = root / "DeepSeek-R1_w8a8.safetensors"
    weights.write_bytes(b"\0" * 1024)
    return WeightLayout(str(weights), (weights,), None, NORMAL_BOUND)


WEIGHT_LAYOUTS = {
    "oversized-config": layout_oversized,
    "fifo-config": layout_fifo,
    "dotdot-traversal": layout_traversal,
    "path-is-a-file": layout_file,
}


def run_audited(tmp_path: Path, layout: WeightLayout) -> tuple[ChildRun, list[dict[str, Any]]]:
    config = tmp_path / "config.json"
    config.write_text(
        replace_once(
            seed_text(), json.dumps(SEED_WEIGHT_PATH), json.dumps(layout.model_weight_path)
        )
    )
    log = tmp_path / "audit.json"
    command = [sys.executable, "-c", AUDIT_RUNNER, str(log), "validate", str(config)]
    run = run_child(command, layout.bound, cwd=tmp_path)
    records: list[dict[str, Any]] = json.loads(log.read_text(encoding="utf-8"))
    return run, records


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@pytest.mark.parametrize("name", list(WEIGHT_LAYOUTS))
def test_weight_directory_reads(tmp_path: Path, name: str) -> None:
    root = tmp_path / "weights-root"
    root.mkdir()
    layout = WEIGHT_LAYOUTS[name](root)

    run, records = run_audited(tmp_path, layout)

    assert_within(run, layout.bound)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.exit_code in (0, 1), run.stderr
    reads = {
        Path(os.path.realpath(record["path"])) for record in records if record["kind"] == "read"
    }
    guarded = [folder.resolve() for folder in layout.guarded]
    allowed = layout.allowed.resolve() if layout.allowed else None
    unexpected = sorted(
        str(path)
        for path in reads
        if path != allowed and any(is_within(path, folder) for folder in guarded)
    )
    assert unexpected == []
    if allowed is not None:
        # The allowed open must appear, or the hook recorded nothing.
        assert allowed in reads
    writes = [
        record["path"]
        for record in records
        if record["kind"] == "write" and "__pycache__" not in Path(record["path"]).parts
    ]
    assert writes == []
    spawns = [record["path"] for record in records if record["kind"] == "spawn"]
    assert spawns == []


def test_rejected_weight_config_named_in_notes(tmp_path: Path) -> None:
    root = tmp_path / "weights-root"
    root.mkdir()
    layout = layout_oversized(root)
    config = tmp_path / "config.json"
    config.write_text(
        replace_once(
            seed_text(), json.dumps(SEED_WEIGHT_PATH), json.dumps(layout.model_weight_path)
        )
    )

    run = run_epcheck("validate", config, "--format", "json", bound=layout.bound)

    assert_within(run, layout.bound)
    assert run.exit_code in (0, 1), run.stderr
    notes = json.loads(run.stdout)["summary"]["assumptions"][str(config)]
    assert any(str(layout.allowed) in note for note in notes), notes


def test_rejected_weight_config_falls_back_to_model_config(tmp_path: Path) -> None:
    root = tmp_path / "weights-root"
    root.mkdir()
    layout = layout_oversized(root)
    config = tmp_path / "config.json"
    config.write_text(
        replace_once(
            seed_text(), json.dumps(SEED_WEIGHT_PATH), json.dumps(layout.model_weight_path)
        )
    )
    given = tmp_path / "given"
    given.mkdir()
    write_hf_config(given)

    run = run_epcheck(
        "validate",
        config,
        "--model-config",
        given / "config.json",
        "--format",
        "json",
        bound=layout.bound,
    )

    assert_within(run, layout.bound)
    notes = json.loads(run.stdout)["summary"]["assumptions"][str(config)]
    assert any(str(given / "config.json") in note for note in notes), notes
    assert any(str(layout.allowed) in note for note in notes), notes


def test_99_000_model_entries(tmp_path: Path) -> None:
    # One finding per empty entry would be 99,000 EP101 findings: the rule lists 100.
    config = json.loads(seed_text())
    config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"] = [{}] * 99_000
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))

    run = run_epcheck("validate", path, "--format", "json", bound=NORMAL_BOUND)

    assert_within(run, NORMAL_BOUND)
    findings = json.loads(run.stdout)["findings"]
    missing = [finding for finding in findings if finding["code"] == "EP101"]
    # The report lists 100, then a note that the rule stopped after 1,000.
    assert len(missing) == 101
    notes = [finding["message"] for finding in missing if finding["severity"] == "info"]
    assert notes == [
        "EP101 found more than 1,000 problems in this file; epcheck lists the first 100"
    ]


def test_unchecked_model_entries_are_noted(tmp_path: Path) -> None:
    config = json.loads(seed_text())
    entry = config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]
    config["BackendConfig"]["ModelDeployConfig"]["ModelConfig"] = [entry] * 20
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))

    run = run_epcheck("validate", path, "--format", "json", bound=NORMAL_BOUND)

    notes = [
        finding
        for finding in json.loads(run.stdout)["findings"]
        if finding["code"] == "EP509" and finding["severity"] == "info"
    ]
    assert len(notes) == 1
    assert "first 16" in notes[0]["message"]
