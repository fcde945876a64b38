"""The keys of a settings table, checked strictly into a `FileSettings`."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mindie_epcheck.findings import Severity
from mindie_epcheck.i18n import LANGUAGES, Lang, Text
from mindie_epcheck.model.context import KNOWN_VERSIONS
from mindie_epcheck.model.hardware import load_profiles
from mindie_epcheck.settings import messages
from mindie_epcheck.settings.globs import GlobError, compile_glob

KEYS = (
    "select",
    "ignore",
    "per-file-ignores",
    "per-pointer-ignores",
    "severity",
    "hardware",
    "interconnect",
    "mindie-version",
    "lang",
    "fail-on",
)
SEVERITIES = tuple(severity.value for severity in Severity)
INTERCONNECTS = ("switch", "direct")
_POINTER = re.compile(r"^(?:/(?:[^~/]|~[01])*)*$")


class SettingsError(Exception):
    """A settings file or baseline that cannot be used: a usage error (exit code 2)."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True, slots=True)
class PathIgnore:
    pattern: str
    regex: re.Pattern[str]
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileSettings:
    """The settings that apply to one checked file; every field is unset without a file.

    `folder` is the settings file's folder, which `per-file-ignores` globs are relative to.
    """

    path: str | None = None
    folder: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    per_file_ignores: tuple[PathIgnore, ...] = ()
    per_pointer_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    hardware: str | None = None
    interconnect: str | None = None
    mindie_version: str | None = None
    lang: Lang | None = None
    fail_on: Severity | None = None


def toml_type(value: object) -> str:
    """Name the TOML type of a parsed value, for messages."""
    if isinstance(value, bool):
        return "boolean"
    names: tuple[tuple[type, str], ...] = (
        (str, "string"),
        (int, "integer"),
        (float, "float"),
        (list, "array"),
        (dict, "table"),
        (datetime.datetime, "datetime"),
        (datetime.date, "date"),
        (datetime.time, "time"),
    )
    return next((name for kind, name in names if isinstance(value, kind)), type(value).__name__)


class _Checker:
    """Checks one table; every error names the file and the key as written there."""

    def __init__(self, path: str, key_prefix: str, codes: Sequence[str]) -> None:
        self.path = path
        self.key_prefix = key_prefix
        self.codes = codes

    def error(self, key: str, problem: Text) -> SettingsError:
        return SettingsError(
            messages.fill(
                messages.SETTINGS_ERROR, path=self.path, key=self.key_prefix + key, problem=problem
            )
        )

    def wrong_type(self, key: str, expected: str, value: object) -> SettingsError:
        actual = toml_type(value)
        problem = messages.fill(
            messages.WRONG_TYPE,
            expected=messages.EXPECTED[expected],
            actual=messages.TOML_TYPES.get(actual, Text(actual, actual)),
        )
        return self.error(key, problem)

    def table(self, key: str, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.wrong_type(key, "table", value)
        return value

    def codes_list(self, key: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.wrong_type(key, "codes", value)
        result = []
        for item in value:
            code = item.strip().upper()
            if not code or not any(known.startswith(code) for known in self.codes):
                raise self.error(key, messages.UNKNOWN_SELECTOR.format(value=json.dumps(item)))
            result.append(code)
        return tuple(result)

    def choice(self, key: str, value: object, choices: Sequence[str]) -> str:
        if not isinstance(value, str):
            raise self.wrong_type(key, "string", value)
        if value not in choices:
            raise self.error(
                key,
                messages.NOT_A_CHOICE.format(value=json.dumps(value), choices=", ".join(choices)),
            )
        return value


def parse_settings(
    table: Mapping[str, object], path: str, folder: str, key_prefix: str, codes: Sequence[str]
) -> FileSettings:
    """Check a settings table and return its settings; raise SettingsError on the first problem.

    `codes` are the known rule codes, `key_prefix` is how the table is named in the file
    ("tool.epcheck." in pyproject.toml, empty in .epcheck.toml).
    """
    checker = _Checker(path, key_prefix, codes)
    for key in table:
        if key not in KEYS:
            raise checker.error(key, _unknown_key_problem(key))

    values: dict[str, Any] = {"path": path, "folder": folder}
    for key in ("select", "ignore"):
        if key in table:
            values[key] = checker.codes_list(key, table[key])
    if "per-file-ignores" in table:
        values["per_file_ignores"] = _path_ignores(checker, table["per-file-ignores"])
    if "per-pointer-ignores" in table:
        values["per_pointer_ignores"] = _pointer_ignores(checker, table["per-pointer-ignores"])
    if "severity" in table:
        values["severity"] = _severities(checker, table["severity"])
    values.update(_choices(checker, table))
    return FileSettings(**values)


def _choices(checker: _Checker, table: Mapping[str, object]) -> dict[str, Any]:
    """Check the keys whose value is one name from a fixed list."""
    values: dict[str, Any] = {}
    if "hardware" in table:
        values["hardware"] = checker.choice("hardware", table["hardware"], list(load_profiles()))
    if "interconnect" in table:
        values["interconnect"] = checker.choice(
            "interconnect", table["interconnect"], INTERCONNECTS
        )
    if "mindie-version" in table:
        values["mindie_version"] = checker.choice(
            "mindie-version", table["mindie-version"], KNOWN_VERSIONS
        )
    if "lang" in table:
        values["lang"] = checker.choice("lang", table["lang"], LANGUAGES)
    if "fail-on" in table:
        values["fail_on"] = Severity(checker.choice("fail-on", table["fail-on"], SEVERITIES))
    return values


def _unknown_key_problem(key: str) -> Text:
    spelled = key.replace("_", "-").lower()
    if spelled in KEYS:
        return messages.UNKNOWN_KEY_SPELLING.format(suggestion=spelled)
    return messages.UNKNOWN_KEY.format(keys=", ".join(KEYS))


def _subkey(key: str, name: str) -> str:
    # TOML quoting keeps keys with dots or slashes readable: per-file-ignores."deploy/*.json".
    return f"{key}.{json.dumps(name, ensure_ascii=False)}"


def _path_ignores(checker: _Checker, value: object) -> tuple[PathIgnore, ...]:
    key = "per-file-ignores"
    ignores = []
    for pattern, codes in checker.table(key, value).items():
        try:
            regex = compile_glob(pattern)
        except GlobError as problem:
            raise checker.error(
                _subkey(key, pattern),
                messages.fill(
                    messages.INVALID_GLOB, pattern=json.dumps(pattern), reason=problem.reason
                ),
            ) from None
        ignores.append(PathIgnore(pattern, regex, checker.codes_list(_subkey(key, pattern), codes)))
    return tuple(ignores)


def _pointer_ignores(checker: _Checker, value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    key = "per-pointer-ignores"
    ignores = []
    for pointer, codes in checker.table(key, value).items():
        if not _POINTER.match(pointer):
            raise checker.error(
                _subkey(key, pointer),
                messages.INVALID_POINTER.format(pointer=json.dumps(pointer)),
            )
        ignores.append((pointer, checker.codes_list(_subkey(key, pointer), codes)))
    return tuple(ignores)


def _severities(checker: _Checker, value: object) -> dict[str, Severity]:
    key = "severity"
    result: dict[str, Severity] = {}
    for code, level in checker.table(key, value).items():
        (selector,) = checker.codes_list(_subkey(key, code), [code])
        result[selector] = Severity(checker.choice(_subkey(key, code), level, SEVERITIES))
    return result


def require_table(value: object, path: str, key: str) -> dict[str, Any]:
    """Return `value` when it is a table; raise the wrong-type SettingsError otherwise."""
    return _Checker(path, "", ()).table(key, value)
