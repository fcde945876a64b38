"""Finding and reading settings files: `.epcheck.toml`, or `[tool.epcheck]` in pyproject.toml."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from mindie_epcheck.i18n import Text
from mindie_epcheck.os_errors import os_reason
from mindie_epcheck.settings import messages
from mindie_epcheck.settings.schema import (
    FileSettings,
    SettingsError,
    parse_settings,
    require_table,
)

# tomllib is in the standard library from Python 3.11; tomli is the same parser for 3.10.
if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the machines here run 3.11
    import tomli as tomllib


EPCHECK_TOML = ".epcheck.toml"
PYPROJECT_TOML = "pyproject.toml"
NO_SETTINGS = FileSettings()


def read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as stream:
            loaded: dict[str, Any] = tomllib.load(stream)
            return loaded
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(invalid_toml(path, str(error))) from None
    except OSError as error:
        reason = os_reason(error)
        raise SettingsError(messages.fill(messages.UNREADABLE, path=path, reason=reason)) from None


# The end of a tomllib or tomli message: the line and column, or the end of the text.
_TOML_POSITION = re.compile(
    r"(?P<message>.*) \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)",
    re.DOTALL,
)


def invalid_toml(path: str, reason: str) -> Text:
    """Word the TOML parser's error `reason` for `path`.

    The Chinese gives the position at the end of `reason` in Chinese, before the rest of the
    parser's English. The English keeps `reason` whole.
    """
    match = _TOML_POSITION.fullmatch(reason)
    if match is None:
        return messages.INVALID_TOML.format(path=path, reason=reason)
    if match["line"] is None:
        where = messages.TOML_AT_END
    else:
        where = messages.TOML_AT_LINE.format(line=match["line"], column=match["column"])
    return messages.fill(messages.INVALID_TOML_AT, path=path, reason=match["message"], where=where)


def tool_table(path: str, document: dict[str, Any]) -> object | None:
    """Return `[tool.epcheck]` of a parsed pyproject.toml, or None when it has none."""
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None
    return tool.get("epcheck")


def load_settings(path: str, codes: Sequence[str], required: bool = True) -> FileSettings | None:
    """Read and check one settings file; a pyproject.toml without `[tool.epcheck]` gives
    None, or a SettingsError when `required` (the file named by --config)."""
    folder = os.path.dirname(os.path.abspath(path))
    document = read_toml(path)
    if os.path.basename(path) != PYPROJECT_TOML:
        return parse_settings(document, path, folder, "", codes)
    table = tool_table(path, document)
    if table is None:
        if required:
            raise SettingsError(messages.NO_TOOL_TABLE.format(path=path))
        return None
    checked = require_table(table, path, "tool.epcheck")
    return parse_settings(checked, path, folder, "tool.epcheck.", codes)


class SettingsResolver:
    """Finds the settings of each checked file, reading every settings file once.

    The search starts in the checked file's folder and goes up to the filesystem root. The
    first folder with `.epcheck.toml`, or with a pyproject.toml that has `[tool.epcheck]`,
    wins, and `.epcheck.toml` wins over pyproject.toml in the same folder. `config` replaces
    the search with one file, and `isolated` turns settings files off.
    """

    def __init__(self, codes: Sequence[str], config: str | None = None, isolated: bool = False):
        if config and isolated:
            raise SettingsError(messages.CONFIG_WITH_ISOLATED)
        self.codes = codes
        self.isolated = isolated
        self.fixed: FileSettings | None = None
        if config:
            if not os.path.isfile(config):
                raise SettingsError(messages.CONFIG_NOT_FOUND.format(path=config))
            self.fixed = load_settings(config, codes)
        self._by_folder: dict[str, FileSettings] = {}

    def for_file(self, name: str) -> FileSettings:
        """Return the settings of the file shown as `name`; `<stdin>` searches from the
        current folder."""
        if self.isolated:
            return NO_SETTINGS
        if self.fixed is not None:
            return self.fixed
        return self._search(os.path.dirname(os.path.abspath(name)))

    def _search(self, start: str) -> FileSettings:
        visited: list[str] = []
        folder = start
        found = NO_SETTINGS
        while True:
            if folder in self._by_folder:
                found = self._by_folder[folder]
                break
            visited.append(folder)
            settings = self._read_folder(folder)
            if settings is not None:
                found = settings
                break
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        for seen in visited:
            self._by_folder[seen] = found
        return found

    def _read_folder(self, folder: str) -> FileSettings | None:
        own = os.path.join(folder, EPCHECK_TOML)
        if os.path.isfile(own):
            return load_settings(own, self.codes)
        pyproject = os.path.join(folder, PYPROJECT_TOML)
        if os.path.isfile(pyproject):
            return load_settings(pyproject, self.codes, required=False)
        return None
