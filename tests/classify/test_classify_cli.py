"""`debug-classify` and `test-classification` on the bundled labelled set, fully offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gmail_assistant.cli import _register, app

NEWSLETTER = b"""From: News <news@shop.example>
To: owner@example.com
Subject: =?utf-8?q?Neuer_Katalog_f=C3=BCr_Sie?=
List-Unsubscribe: <mailto:u@shop.example>
Precedence: bulk
Content-Type: text/plain; charset=utf-8

Entdecken Sie unseren neuen Katalog! Newsletter abbestellen: hier.
"""


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _register()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GMA_LLM_CLASSIFY_MODEL", "offline/classify")
    monkeypatch.setenv("GMA_DB_SQLITE_PATH", str(tmp_path / "x.db"))


def test_debug_classify_shows_rules_then_the_model(tmp_path: Path) -> None:
    eml = tmp_path / "news.eml"
    eml.write_bytes(NEWSLETTER)
    runner = CliRunner()
    rules = runner.invoke(app, ["debug-classify", str(eml)])
    assert rules.exit_code == 0, rules.output
    assert "Neuer Katalog für Sie" in rules.output  # RFC 2047 subject decoded
    assert "automated" in rules.output and "List-Unsubscribe header" in rules.output
    assert "not asked" in rules.output
    model = runner.invoke(app, ["debug-classify", str(eml), "--llm"])
    assert model.exit_code == 0, model.output
    assert "model:    fyi" in model.output
    assert "language: de" in model.output


def test_test_classification_scores_the_labelled_set() -> None:
    runner = CliRunner()
    rules = runner.invoke(app, ["test-classification", "--rules-only"])
    assert rules.exit_code == 0, rules.output
    assert "rules only — accuracy" in rules.output
    assert "confusion (rows expected, columns predicted)" in rules.output
    offline = runner.invoke(app, ["test-classification"])
    assert offline.exit_code == 0, offline.output
    line = next(x for x in offline.output.splitlines() if x.startswith("accuracy"))
    accuracy = float(line.split()[1].rstrip("%"))
    assert accuracy > 80  # the offline heuristic on its own demo set
