"""The owner's `contacts.yml` and `communication_styles.yml`, read and checked before import.

Both are read in v2.3.0's shapes (see users/preferences.py). Onboarding imports them into
`user_settings`; until a user has a row of their own, the same files are that user's
settings (the fallback v2.3.0 also has). An unknown key is left out with a warning naming
it; a value that does not fit stops onboarding with an error naming the file.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gmail_assistant.users.preferences import (
    describe_error,
    validate_setting,
    without_unknown_keys,
)

__all__ = [
    "CONFIG_FILES",
    "ConfigFileError",
    "config_folder",
    "fallback_settings",
    "read_config_files",
]

log = logging.getLogger(__name__)

# user_settings key → file name
CONFIG_FILES = {"contacts": "contacts.yml", "communication_styles": "communication_styles.yml"}


class ConfigFileError(ValueError):
    """A config file exists but is not a YAML mapping; the message names the file."""


def config_folder(token_file: Path) -> Path:
    """The folder next to the token file (the config mount), else `config/`."""
    folder = token_file.expanduser().parent
    return folder if folder.is_dir() else Path("config")


def read_config_files(folder: Path) -> dict[str, Any]:
    """Every present file, parsed into the stored shape; missing files are skipped, a
    malformed one raises `ConfigFileError`."""
    found: dict[str, Any] = {}
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
        try:
            found[key] = validate_setting(key, without_unknown_keys(key, data, str(path)))
        except ValidationError as exc:
            raise ConfigFileError(f"{path}: {describe_error(key, exc)}") from None
    return found


def fallback_settings(folder: Path) -> dict[str, Any]:
    """The files as every user's settings until they have rows of their own; a broken
    file is a warning here (onboarding reports it as an error)."""
    try:
        return read_config_files(folder)
    except ConfigFileError as exc:
        log.warning("settings file not used as a fallback: %s", exc)
        return {}
