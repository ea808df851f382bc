"""The owner's `contacts.yml` and `communication_styles.yml`, read and checked before import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["CONFIG_FILES", "ConfigFileError", "config_folder", "read_config_files"]

# user_settings key → file name
CONFIG_FILES = {"contacts": "contacts.yml", "communication_styles": "communication_styles.yml"}


class ConfigFileError(ValueError):
    """A config file exists but is not a YAML mapping; the message names the file."""


def config_folder(token_file: Path) -> Path:
    """The folder next to the token file (the config mount), else `config/`."""
    folder = token_file.expanduser().parent
    return folder if folder.is_dir() else Path("config")


def read_config_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Every present file, parsed; missing files are skipped, a malformed one raises."""
    found: dict[str, dict[str, Any]] = {}
    for key, name in CONFIG_FILES.items():
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigFileError(f"{path}: cannot read: {exc}") from exc
        except yaml.YAMLError as exc:
            raise ConfigFileError(f"{path}: not valid YAML: {exc}") from exc
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigFileError(
                f"{path}: expected a mapping at the top, got {type(data).__name__}"
            )
        found[key] = data
    return found
