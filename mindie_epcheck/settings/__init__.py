"""Settings files (`.epcheck.toml`, `[tool.epcheck]` in pyproject.toml) and baselines."""

from mindie_epcheck.settings.apply import apply_settings
from mindie_epcheck.settings.baseline import (
    check_new_baseline,
    read_baseline,
    subtract_baseline,
    write_baseline,
)
from mindie_epcheck.settings.discovery import SettingsResolver
from mindie_epcheck.settings.schema import FileSettings, SettingsError

__all__ = [
    "FileSettings",
    "SettingsError",
    "SettingsResolver",
    "apply_settings",
    "check_new_baseline",
    "read_baseline",
    "subtract_baseline",
    "write_baseline",
]
