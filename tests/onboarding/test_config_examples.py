"""The shipped example files are v2.3.0-format files this version reads without a warning."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from gmail_assistant.onboarding.config_files import fallback_settings, read_config_files
from gmail_assistant.users.preferences import Preferences

CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_example_files_read_cleanly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("contacts", "communication_styles"):
        shutil.copy(CONFIG / f"{name}.example.yml", tmp_path / f"{name}.yml")
    with caplog.at_level(logging.WARNING):
        found = read_config_files(tmp_path)
        prefs = Preferences.from_settings(found)
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert set(found) == {"contacts", "communication_styles"}
    assert prefs.style_for("partner@studio.example", None) == ("studio", "sender override")
    assert prefs.style_for("x@y.example", "studio") == ("studio", "model")
    assert prefs.language_for("buyer@overseas.example", "cs", "business") == "en"
    assert prefs.blacklisted("alerts@bank.example") == "alerts@*"


def test_unknown_keys_in_a_file_are_named_and_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "contacts.yml").write_text("blacklist: ['*@x.example']\nvip: [a@b.example]\n")
    with caplog.at_level(logging.WARNING):
        found = fallback_settings(tmp_path)
    assert found["contacts"]["blacklist"] == ["*@x.example"]
    assert any("contacts.vip" in r.getMessage() for r in caplog.records)


def test_a_broken_fallback_file_is_a_warning_not_a_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "contacts.yml").write_text("style_overrides: {'not an address': formal}\n")
    with caplog.at_level(logging.WARNING):
        assert fallback_settings(tmp_path) == {}
    assert any("contacts.yml" in r.getMessage() for r in caplog.records)
