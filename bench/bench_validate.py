"""Compare the wall time and peak memory of `epcheck validate` with those of check-jsonschema.

    python bench/bench_validate.py [--runs N] [--venv DIR] [--file CONFIG] [--ranktable FILE]
    python bench/bench_validate.py --json                # the figures as JSON on stdout
    python bench/bench_validate.py --importtime          # the heaviest imports of validate
    python bench/bench_validate.py --batch 0             # skip the run over many files

Both tools run from one virtual environment (default: ~/.cache/epcheck-bench/venv), so they
pay the same interpreter start-up and load no .pth files of the system site-packages. Each
invocation reinstalls this repository into it, non-editable, so the figures are of the
current tree. check-jsonschema is installed there only for this benchmark: it is not a
dependency of epcheck.

Each round runs `python -c pass` (the floor: interpreter start-up alone), `epcheck validate
FILE` and `check-jsonschema --schemafile schemas/mindie-config.schema.json FILE`, in forward
order in even rounds and in reverse order in odd ones. Three warm-up rounds are discarded.
Wall time is measured around Popen and os.wait4, and peak RSS is the ru_maxrss that os.wait4
returns for the child.

Then both tools check --batch copies of FILE (default 1,000) in one invocation each, three
times, alternating.

Targets: the median wall time of epcheck at most 0.6 x that of check-jsonschema, a median
peak RSS of epcheck under 60 MiB, and the batch in under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "samples" / "seed" / "ep-level-2-dual-node.config.json"
CONFIG_SCHEMA = REPO / "schemas" / "mindie-config.schema.json"
DEFAULT_RUNS = 31
WARMUP_ROUNDS = 3
RATIO_TARGET = 0.6
PEAK_RSS_TARGET_MIB = 60.0
DEFAULT_BATCH = 1000
BATCH_ROUNDS = 3
BATCH_TARGET_S = 5.0
TOP_IMPORT_COUNT = 25
PACKAGE = "mindie_epcheck"

# Variables that would make the venv's interpreter import from outside the venv.
# PYTHONDONTWRITEBYTECODE is dropped too, because a user's shell rarely sets it. Without it,
# the warm-up rounds cache the bytecode of any module that pip did not precompile.
DROPPED_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")


@dataclass(frozen=True)
class Tool:
    """One command of a round, with the exit codes that count as a normal run."""

    label: str
    argv: list[str]
    exit_codes: frozenset[int]


@dataclass(frozen=True)
class Sample:
    """Wall time in seconds and peak RSS in MiB of one run."""

    wall_s: float
    peak_rss_mib: float


@dataclass(frozen=True)
class Summary:
    """Medians and quartiles of one tool's timed runs."""

    label: str
    argv: list[str]
    median_ms: float
    q1_ms: float
    q3_ms: float
    median_peak_rss_mib: float
    max_peak_rss_mib: float

    @property
    def iqr_ms(self) -> float:
        return self.q3_ms - self.q1_ms


@dataclass(frozen=True)
class ImportTime:
    """One `import time:` line of `python -X importtime`, in microseconds."""

    name: str
    depth: int
    self_us: int
    cumulative_us: int


def default_venv_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "epcheck-bench" / "venv"


def run_count(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2 (got {value})")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Compare the wall time and peak RSS of epcheck validate with check-jsonschema."
    )
    parser.add_argument(
        "--runs",
        metavar="N",
        type=run_count,
        default=DEFAULT_RUNS,
        help=f"timed rounds, after {WARMUP_ROUNDS} warm-up rounds (default: {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--venv",
        metavar="DIR",
        type=Path,
        default=default_venv_dir(),
        help="virtual environment to create or reuse (default: %(default)s)",
    )
    parser.add_argument(
        "--file",
        metavar="CONFIG",
        type=Path,
        default=DEFAULT_CONFIG,
        help="config.json to check (default: the seed ep-level-2-dual-node config)",
    )
    parser.add_argument(
        "--ranktable",
        metavar="FILE",
        type=Path,
        help="rank table for epcheck to check too (check-jsonschema checks only --file)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=DEFAULT_BATCH,
        metavar="N",
        help=f"files checked in one invocation, copies of FILE (default {DEFAULT_BATCH}; 0 skips)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--importtime",
        action="store_true",
        help=f"instead of timing, print the {TOP_IMPORT_COUNT} heaviest imports of one validate run",
    )
    return parser.parse_args(argv)


def venv_bin(venv_dir: Path, name: str) -> Path:
    return venv_dir / "bin" / name


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in DROPPED_VARIABLES:
        env.pop(name, None)
    return env


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def create_venv(venv_dir: Path) -> None:
    """Create the virtual environment unless its interpreter already runs."""
    python = venv_bin(venv_dir, "python")
    if python.exists():
        probe = subprocess.run([str(python), "-c", "pass"], check=False)
        if probe.returncode != 0:
            raise SystemExit(
                f"error: the interpreter of the virtual environment {venv_dir} failed to start "
                f"(exit {probe.returncode}). Delete that directory or pass another --venv."
            )
        return
    progress(f"creating the virtual environment {venv_dir}")
    venv.EnvBuilder(with_pip=True).create(venv_dir)


def run_pip(venv_dir: Path, arguments: list[str]) -> int:
    command = [str(venv_bin(venv_dir, "python")), "-m", "pip", *arguments]
    return subprocess.run(command, stdout=sys.stderr, check=False).returncode


def pip_or_exit(venv_dir: Path, arguments: list[str]) -> None:
    code = run_pip(venv_dir, arguments)
    if code != 0:
        raise SystemExit(
            f"error: pip {' '.join(arguments)} failed with exit {code} (see its output above)"
        )


def install_tools(venv_dir: Path) -> None:
    """Install this repository and check-jsonschema into the venv, reinstalling the repository.

    The first install brings in all dependencies. Later ones reinstall only the repository
    and fall back to a full install when `pip check` finds a dependency missing, such as one
    newly added to pyproject.toml.
    """
    full_install = ["install", "--quiet", str(REPO), "check-jsonschema"]
    installed = all(venv_bin(venv_dir, name).exists() for name in ("epcheck", "check-jsonschema"))
    if not installed:
        progress(f"installing {REPO} and check-jsonschema with their dependencies")
        pip_or_exit(venv_dir, full_install)
        return

    # NOTE: pip builds the repository in place, and setuptools reuses build/lib, so a module
    # deleted from the tree stays in the installed copy until build/ is removed.
    progress(f"reinstalling {REPO} (--force-reinstall --no-deps)")
    pip_or_exit(venv_dir, ["install", "--quiet", "--force-reinstall", "--no-deps", str(REPO)])
    if run_pip(venv_dir, ["check"]) != 0:
        progress("pip check failed, so installing the missing dependencies")
        pip_or_exit(venv_dir, full_install)


def read_versions(venv_dir: Path) -> dict[str, str]:
    script = (
        "import importlib.metadata as m, json, platform\n"
        "names = ['mindie-epcheck', 'check-jsonschema', 'jsonschema']\n"
        "versions = {name: m.version(name) for name in names}\n"
        "versions['python'] = platform.python_version()\n"
        "print(json.dumps(versions))\n"
    )
    output = subprocess.run(
        [str(venv_bin(venv_dir, "python")), "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    ).stdout
    versions: dict[str, str] = json.loads(output)
    versions["tree"] = describe_tree()
    return versions


def describe_tree() -> str:
    """Return the commit of the repository, with "-dirty" when it has uncommitted changes."""
    result = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return platform.processor()
    for line in lines:
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor()


def describe_machine() -> dict[str, Any]:
    return {"arch": platform.machine(), "cpu": cpu_model(), "cores": os.cpu_count()}


def build_tools(venv_dir: Path, config: Path, ranktable: Path | None) -> list[Tool]:
    epcheck = [str(venv_bin(venv_dir, "epcheck")), "validate", str(config)]
    if ranktable is not None:
        epcheck += ["--ranktable", str(ranktable)]
    check_jsonschema = [
        str(venv_bin(venv_dir, "check-jsonschema")),
        "--schemafile",
        str(CONFIG_SCHEMA),
        str(config),
    ]
    return [
        Tool("python -c pass", [str(venv_bin(venv_dir, "python")), "-c", "pass"], frozenset({0})),
        # epcheck exits 1 when it reports findings, which is a normal run here.
        Tool("epcheck validate", epcheck, frozenset({0, 1})),
        Tool("check-jsonschema", check_jsonschema, frozenset({0})),
    ]


def check_exit_codes(tools: list[Tool], cwd: Path) -> None:
    """Run each tool once and stop with its output when its exit code is not a normal one."""
    for tool in tools:
        result = subprocess.run(
            tool.argv,
            cwd=cwd,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode in tool.exit_codes:
            continue
        expected = " or ".join(str(code) for code in sorted(tool.exit_codes))
        raise SystemExit(
            f"error: {tool.label} exited with {result.returncode}, expected {expected}\n"
            f"command: {' '.join(tool.argv)}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )


def maxrss_to_mib(maxrss: int) -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    if sys.platform == "darwin":
        return maxrss / (1024 * 1024)
    return maxrss / 1024


def measure(tool: Tool, cwd: Path, env: dict[str, str]) -> Sample:
    start = time.perf_counter()
    process = subprocess.Popen(
        tool.argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall_s = time.perf_counter() - start

    # The child is reaped already, so Popen must not wait for it again.
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in tool.exit_codes:
        raise SystemExit(
            f"error: {tool.label} exited with {process.returncode} during a timed run\n"
            f"command: {' '.join(tool.argv)}"
        )
    return Sample(wall_s, maxrss_to_mib(usage.ru_maxrss))


def run_rounds(tools: list[Tool], runs: int, cwd: Path) -> dict[str, list[Sample]]:
    """Run every tool once per round and return the samples of the rounds after the warm-up."""
    env = child_env()
    samples: dict[str, list[Sample]] = {tool.label: [] for tool in tools}
    for round_index in range(WARMUP_ROUNDS + runs):
        order = tools if round_index % 2 == 0 else tools[::-1]
        for tool in order:
            sample = measure(tool, cwd, env)
            if round_index >= WARMUP_ROUNDS:
                samples[tool.label].append(sample)
    return samples


def summarize(tool: Tool, samples: list[Sample]) -> Summary:
    wall_ms = [sample.wall_s * 1e3 for sample in samples]
    q1, median, q3 = statistics.quantiles(wall_ms, n=4, method="inclusive")
    peak_rss = [sample.peak_rss_mib for sample in samples]
    return Summary(
        label=tool.label,
        argv=tool.argv,
        median_ms=median,
        q1_ms=q1,
        q3_ms=q3,
        median_peak_rss_mib=statistics.median(peak_rss),
        max_peak_rss_mib=max(peak_rss),
    )


def ratio_above_floor(floor: Summary, epcheck: Summary, reference: Summary) -> float | None:
    """Return (epcheck - floor) / (reference - floor) of the medians, or None when the reference is not above the floor."""
    reference_work = reference.median_ms - floor.median_ms
    if reference_work <= 0:
        return None
    return (epcheck.median_ms - floor.median_ms) / reference_work


def build_report(
    summaries: list[Summary],
    runs: int,
    versions: dict[str, str],
    config: Path,
    ranktable: Path | None,
) -> dict[str, Any]:
    floor, epcheck, reference = summaries
    ratio = epcheck.median_ms / reference.median_ms
    peak_rss = epcheck.median_peak_rss_mib
    return {
        "machine": describe_machine(),
        "versions": versions,
        "file": str(config),
        "ranktable": None if ranktable is None else str(ranktable),
        "runs": runs,
        "warmup_rounds": WARMUP_ROUNDS,
        "tools": [summary_to_json(summary) for summary in summaries],
        "ratio_of_medians": ratio,
        "ratio_of_medians_above_floor": ratio_above_floor(floor, epcheck, reference),
        "targets": [
            {
                "target": f"epcheck median at most {RATIO_TARGET} x check-jsonschema's",
                "value": ratio,
                "pass": ratio <= RATIO_TARGET,
            },
            {
                "target": f"epcheck median peak RSS under {PEAK_RSS_TARGET_MIB:.0f} MiB",
                "value": peak_rss,
                "pass": peak_rss < PEAK_RSS_TARGET_MIB,
            },
        ],
    }


def summary_to_json(summary: Summary) -> dict[str, Any]:
    return {
        "tool": summary.label,
        "command": summary.argv,
        "median_ms": summary.median_ms,
        "q1_ms": summary.q1_ms,
        "q3_ms": summary.q3_ms,
        "iqr_ms": summary.iqr_ms,
        "median_peak_rss_mib": summary.median_peak_rss_mib,
        "max_peak_rss_mib": summary.max_peak_rss_mib,
    }


def print_versions(machine: dict[str, Any], versions: dict[str, str]) -> None:
    print(f"machine: {machine['arch']}, {machine['cpu']}, {machine['cores']} cores")
    print(
        f"Python {versions['python']}, mindie-epcheck {versions['mindie-epcheck']} "
        f"(tree {versions['tree']}), check-jsonschema {versions['check-jsonschema']}, "
        f"jsonschema {versions['jsonschema']}"
    )


def print_header(report: dict[str, Any]) -> None:
    print_versions(report["machine"], report["versions"])
    print(f"file: {report['file']}")
    if report["ranktable"] is not None:
        print(f"rank table (epcheck only): {report['ranktable']}")
    print(f"{report['runs']} timed rounds after {report['warmup_rounds']} warm-up rounds")


def print_table(report: dict[str, Any]) -> None:
    print()
    print(f"{'tool':<18} {'median ms':>10} {'IQR ms':>8} {'median peak RSS MiB':>20}")
    for tool in report["tools"]:
        print(
            f"{tool['tool']:<18} {tool['median_ms']:>10.1f} {tool['iqr_ms']:>8.1f} "
            f"{tool['median_peak_rss_mib']:>20.1f}"
        )
    print()
    above_floor = report["ratio_of_medians_above_floor"]
    above_floor_text = "n/a" if above_floor is None else f"{above_floor:.2f}"
    print(f"epcheck / check-jsonschema, ratio of medians:  {report['ratio_of_medians']:.2f}")
    print(f"the same above the floor (python -c pass):     {above_floor_text}")
    print()
    for target in report["targets"]:
        verdict = "PASS" if target["pass"] else "MISS"
        print(f"target: {target['target']}: {target['value']:.2f} {verdict}")


def parse_import_times(stderr: str) -> list[ImportTime]:
    """Parse the `import time: self | cumulative | name` lines, skipping the header line."""
    entries: list[ImportTime] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.removeprefix("import time:").split("|", 2)
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        # CPython writes one space after the bar, then two spaces per nesting level.
        name_field = fields[2].removeprefix(" ")
        name = name_field.lstrip(" ")
        depth = (len(name_field) - len(name)) // 2
        entries.append(ImportTime(name, depth, int(fields[0]), int(fields[1])))
    return entries


def is_package_module(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def run_importtime(venv_dir: Path, config: Path, ranktable: Path | None) -> str:
    """Run validate once under `-X importtime` and return its stderr."""
    command = [str(venv_bin(venv_dir, "python")), "-X", "importtime", "-m", PACKAGE]
    command += ["validate", str(config)]
    if ranktable is not None:
        command += ["--ranktable", str(ranktable)]

    # The working directory is the venv, so `-m` imports the installed copy, not the tree.
    result = subprocess.run(
        command,
        cwd=venv_dir,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        raise SystemExit(
            f"error: {' '.join(command)} exited with {result.returncode}, expected 0 or 1\n"
            f"stderr:\n{result.stderr}"
        )
    return result.stderr


def print_import_times(entries: list[ImportTime]) -> None:
    heaviest = sorted(entries, key=lambda entry: entry.cumulative_us, reverse=True)
    print(f"{TOP_IMPORT_COUNT} heaviest imports by cumulative time:")
    print(f"{'cumulative ms':>13} {'self ms':>8} {'depth':>5}  module")
    for entry in heaviest[:TOP_IMPORT_COUNT]:
        print(
            f"{entry.cumulative_us / 1e3:>13.1f} {entry.self_us / 1e3:>8.1f} "
            f"{entry.depth:>5}  {entry.name}"
        )

    # Top-level lines do not overlap, so their sums count every import once.
    top_level = [entry for entry in entries if entry.depth == 0]
    package_us = sum(entry.cumulative_us for entry in top_level if is_package_module(entry.name))
    all_us = sum(entry.cumulative_us for entry in top_level)
    print()
    print(f"{PACKAGE} top-level imports, summed: {package_us / 1e3:.1f} ms")
    print(f"all top-level imports, summed: {all_us / 1e3:.1f} ms")


def resolve_file(path: Path, option: str) -> Path:
    resolved = path.expanduser().resolve()
    if not resolved.is_file():
        raise SystemExit(f"error: {option} {path}: file not found")
    return resolved


def batch_tools(tools: list[Tool], config: Path, copies: list[Path]) -> list[Tool]:
    """Return the epcheck and check-jsonschema commands of `tools` with `config` replaced by
    every copy."""
    names = [str(copy) for copy in copies]
    commands = []
    for tool in tools:
        if str(config) not in tool.argv:
            continue
        argv: list[str] = []
        for argument in tool.argv:
            argv.extend(names if argument == str(config) else [argument])
        commands.append(Tool(tool.label, argv, tool.exit_codes))
    return commands


def run_batch(tools: list[Tool], config: Path, count: int, cwd: Path) -> dict[str, Any]:
    """Time both tools on `count` copies of `config` in one invocation each."""
    with tempfile.TemporaryDirectory(prefix="epcheck-batch-") as folder:
        copies = [Path(folder) / f"config-{index:04d}.json" for index in range(count)]
        for copy in copies:
            shutil.copyfile(config, copy)
        commands = batch_tools(tools, config, copies)
        samples: dict[str, list[Sample]] = {tool.label: [] for tool in commands}
        env = child_env()
        for round_index in range(BATCH_ROUNDS):
            for tool in commands if round_index % 2 == 0 else commands[::-1]:
                samples[tool.label].append(measure(tool, cwd, env))
    figures = {
        label: {
            "median_s": statistics.median(sample.wall_s for sample in runs),
            "median_peak_rss_mib": statistics.median(sample.peak_rss_mib for sample in runs),
        }
        for label, runs in samples.items()
    }
    epcheck_s = figures["epcheck validate"]["median_s"]
    return {
        "files": count,
        "rounds": BATCH_ROUNDS,
        "tools": figures,
        "target": {
            "target": f"epcheck on {count} files in one invocation under {BATCH_TARGET_S:.0f} s",
            "value": epcheck_s,
            "pass": epcheck_s < BATCH_TARGET_S,
        },
    }


def print_batch(batch: dict[str, Any]) -> None:
    print()
    print(f"{batch['files']} copies of the file in one invocation, median of {batch['rounds']}:")
    for label, figures in batch["tools"].items():
        print(
            f"{label:<18} {figures['median_s']:>8.2f} s "
            f"{figures['median_peak_rss_mib']:>8.1f} MiB peak RSS"
        )
    target = batch["target"]
    verdict = "PASS" if target["pass"] else "MISS"
    print(f"target: {target['target']}: {target['value']:.2f} s {verdict}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    config = resolve_file(args.file, "--file")
    ranktable = None if args.ranktable is None else resolve_file(args.ranktable, "--ranktable")
    venv_dir: Path = args.venv.expanduser().resolve()

    create_venv(venv_dir)
    install_tools(venv_dir)
    versions = read_versions(venv_dir)
    if args.importtime:
        print_versions(describe_machine(), versions)
        print()
        print_import_times(parse_import_times(run_importtime(venv_dir, config, ranktable)))
        return

    # The working directory is the venv, outside the repository, for every tool alike.
    tools = build_tools(venv_dir, config, ranktable)
    check_exit_codes(tools, venv_dir)
    progress(f"timing {WARMUP_ROUNDS} warm-up and {args.runs} timed rounds")
    samples = run_rounds(tools, args.runs, venv_dir)
    summaries = [summarize(tool, samples[tool.label]) for tool in tools]
    report = build_report(summaries, args.runs, versions, config, ranktable)
    if args.batch > 0:
        progress(f"timing {BATCH_ROUNDS} rounds over {args.batch} copies of the file")
        report["batch"] = run_batch(tools, config, args.batch, venv_dir)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print_header(report)
    print_table(report)
    if "batch" in report:
        print_batch(report["batch"])


if __name__ == "__main__":
    main()
