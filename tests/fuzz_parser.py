"""Fuzz the JSON parser with random byte mutations of real config files.

Run from the repository root:

    python tests/fuzz_parser.py [--seconds N] [--seed S] [--crash-dir DIR]

Seeds are the *.json files under samples/ and under ../shared/realworld/ (whichever
exist), plus a few built-in documents. Each round mutates one seed, decodes the bytes with
the product's `decode` and parses the text both as a document and as braceless members.
Any exception, or a result that breaks the ParseResult invariants, stops the run: the
input is saved to the crash folder, the traceback is printed, and the exit status is 1.

pytest does not collect this file because its name has no test_ prefix.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_FOLDERS = (REPO_ROOT / "samples", REPO_ROOT.parent / "shared" / "realworld")

# Running `python tests/fuzz_parser.py` puts tests/ on sys.path, not the repository root.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from mindie_epcheck.source.document import decode  # noqa: E402
from mindie_epcheck.source.parser import ParseResult, parse  # noqa: E402

BUILTIN_SEEDS = (
    b'{"ServerConfig": {"port": 1025, "httpsEnabled": false}, "BackendConfig": {}}',
    b'[1, -2.5e3, "a\\u00e9\\ud83d\\ude00", true, null, {"k": [], "k": {}}]',
    b'"maxSeqLen": 2560,\n"maxInputTokenLen": 2048,',
)

# Byte strings that reach the parser's special cases when inserted at random places.
TOKENS = (
    b"{", b"}", b"[", b"]", b'"', b",", b":", b" ", b"\n", b"\r\n", b"\t", b"\\",
    b"//", b"/*", b"*/", b"\\u", b"\\ud800", b"\\udc00", b"\\u0000", b"\\x",
    b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-0", b"01", b"1.", b"9" * 5000,
    b"true", b"fals", b"null", b"\x00", b"\x1f", b"\x7f", b"\xff", b"\xc3", b"\xed\xa0\x80",
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b'"k":', b"[" * 600, b"{" * 3,
)  # fmt: skip


def load_seeds() -> list[bytes]:
    seeds = list(BUILTIN_SEEDS)
    for folder in SEED_FOLDERS:
        if folder.is_dir():
            seeds.extend(path.read_bytes() for path in sorted(folder.rglob("*.json")))
    return seeds


def mutate(data: bytes, seeds: list[bytes], rng: random.Random) -> bytes:
    """Apply one to eight random edits: bit flips, token inserts, deletions, copies, splices."""
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        position = rng.randint(0, len(buffer))
        length = rng.randint(1, 16)
        operation = rng.randrange(7)
        if operation == 0 and buffer:
            index = min(position, len(buffer) - 1)
            buffer[index] ^= 1 << rng.randrange(8)
        elif operation == 1:
            buffer[position:position] = rng.choice(TOKENS)
        elif operation == 2:
            buffer[position:position] = bytes([rng.randrange(256)])
        elif operation == 3:
            del buffer[position : position + length]
        elif operation == 4:
            buffer[position:position] = buffer[position : position + length]
        elif operation == 5:
            del buffer[position:]
        else:
            donor = rng.choice(seeds)
            start = rng.randint(0, len(donor))
            buffer[position:position] = donor[start : start + rng.randint(1, 200)]
    return bytes(buffer)


def find_violation(text: str, result: ParseResult) -> str | None:
    """Return a description of the first broken ParseResult invariant, or None."""
    if (result.root is None) == (result.error is None):
        return "exactly one of root and error must be set"
    if result.error is not None and not 0 <= result.error.offset <= len(text):
        return f"error offset {result.error.offset} is outside the text (length {len(text)})"
    if result.root is not None and not 0 <= result.root.start <= result.root.end <= len(text):
        return f"root span [{result.root.start}, {result.root.end}) is outside the text"
    for problem in result.problems:
        if not 0 <= problem.start <= problem.end <= len(text):
            return f"problem span [{problem.start}, {problem.end}) is outside the text"
    return None


def save_crash(raw: bytes, crash_dir: Path) -> Path:
    crash_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=crash_dir, prefix="parser-crash-", suffix=".json", delete=False
    ) as handle:
        handle.write(raw)
    return Path(handle.name)


def run(seconds: float, seed: int, crash_dir: Path) -> int:
    """Fuzz the parser for `seconds`.

    Return 0 when every input parsed cleanly, and 1 at the first failure.
    """
    rng = random.Random(seed)
    seeds = load_seeds()
    outcomes: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    rounds = 0
    print(f"fuzzing parse() for {seconds:g} s with {len(seeds)} seed files, --seed {seed}")

    while time.monotonic() < deadline:
        raw = mutate(rng.choice(seeds), seeds, rng)
        try:
            text, _ = decode(raw)
        except Exception:
            path = save_crash(raw, crash_dir)
            traceback.print_exc()
            print(f"FAILED: decode() raised; input saved to {path}")
            return 1
        for members_only in (False, True):
            try:
                result = parse(text, members_only=members_only)
                violation = find_violation(text, result)
            except Exception:
                path = save_crash(raw, crash_dir)
                traceback.print_exc()
                print(f"FAILED: parse(members_only={members_only}) raised; input saved to {path}")
                return 1
            if violation is not None:
                path = save_crash(raw, crash_dir)
                print(f"FAILED: {violation} (members_only={members_only}); input saved to {path}")
                return 1
            outcomes[result.error.reason.value if result.error else "accepted"] += 1
        rounds += 1

    print(f"{rounds} inputs, no exception. Outcomes of both parse modes:")
    for outcome, count in outcomes.most_common():
        print(f"  {outcome}: {count}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to fuzz, in seconds")
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed, to repeat a run (default: a new seed, printed at the start)",
    )
    parser.add_argument(
        "--crash-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "epcheck-fuzz",
        help="folder for inputs that make the parser fail (default: %(default)s)",
    )
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else random.randrange(2**32)
    return run(arguments.seconds, seed, arguments.crash_dir)


if __name__ == "__main__":
    sys.exit(main())
