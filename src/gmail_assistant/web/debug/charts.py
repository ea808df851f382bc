"""Bar charts as plain geometry, for the templates to draw as inline SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Bar", "BarChart", "bar_chart"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    text: str


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    maximum: float


def bar_chart(
    title: str,
    points: Sequence[tuple[str, float]],
    *,
    width: int = 560,
    height: int = 140,
    value_format: str = "{:g}",
) -> BarChart:
    """Evenly spaced bars scaled to the largest value; room left below for the labels."""
    plot = height - 20  # label row
    maximum = max((value for _, value in points), default=0.0)
    slot = width / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = (value / maximum) * (plot - 14) if maximum > 0 else 0.0
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.15, 2),
                y=round(plot - bar_height, 2),
                width=round(slot * 0.7, 2),
                height=round(bar_height, 2),
                label=label,
                value=value,
                text=value_format.format(value),
            )
        )
    return BarChart(title, width, height, tuple(bars), maximum)
