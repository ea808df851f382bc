"""The text `test-classification --from-corrections` prints besides the scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gmail_assistant.corrections.service import (
    Correction,
    CorrectionKind,
    override_suggestions,
    weekly_acceptance,
)

__all__ = ["render_corrections"]


def render_corrections(found: Sequence[Correction]) -> str:
    """Counts by kind, draft acceptance per week, and the contact overrides worth making."""
    kinds = Counter(c.kind for c in found)
    lines = [
        f"{len(found)} corrections: "
        + ", ".join(f"{kinds[k]} {k.value}" for k in CorrectionKind if kinds[k])
        if found
        else "no corrections recorded",
    ]
    weeks = weekly_acceptance(found)
    if weeks:
        lines += ["", "draft acceptance by week (drafts sent, mean similarity, sent unchanged):"]
        lines += [
            f"  {w.week.isoformat()}  {w.sent:3d}  {w.mean_similarity:6.1%}  "
            f"{w.unchanged_share:6.1%}"
            for w in weeks
        ]
    suggestions = override_suggestions(found)
    if suggestions:
        lines += ["", "suggested contact overrides (not applied):"]
        lines += [
            f"  {s.scope} {s.key} → {s.category} (corrected {s.count} times)" for s in suggestions
        ]
    return "\n".join(lines)
