"""Figures for people: month periods for the chart, the chart's geometry, the CSV export."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

CHARTED = ("young_people_supported", "active_mentors", "active_duos")
HEADLINE = ("young_people_supported", "trained_mentors", "active_mentors", "active_duos", "completion_rate",
            "positive_outcome_rate", "employment_rate", "days_registration_to_match_median")


def month_periods(today: date, months: int = 6) -> list[tuple[date, date]]:
    """The last `months` calendar months, oldest first, the current one ending today."""
    periods = []
    start = today.replace(day=1)
    end = today
    for _ in range(months):
        periods.append((start, end))
        end = start - timedelta(days=1)
        start = end.replace(day=1)
    return periods[::-1]


def shown(figure: dict | None) -> str:
    """A figure as a person reads it: 72.5 %, 14 days, 31, or a dash when there is nothing to count."""
    if not figure or figure.get("value") is None:
        return "–"
    if figure.get("unit") == "rate":
        return f"{figure['percent']} %"
    if figure.get("unit") == "days":
        return str(figure.get("rounded"))
    return str(figure["value"])


@dataclass(frozen=True)
class Series:
    name: str
    points: str  # SVG polyline points
    last: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    labels: list[tuple[float, str]]  # x, month label
    ticks: list[tuple[float, int]]  # y, value
    series: list[Series]


def chart(months: list[tuple[date, dict]], names: tuple[str, ...] = CHARTED,
          width: int = 640, height: int = 240, margin: int = 40) -> Chart:
    """Lines of the counted figures month by month, scaled to a fixed frame (server-side SVG)."""
    values = {n: [int((f.get(n) or {}).get("value") or 0) for _, f in months] for n in names}
    top = max([1] + [v for vs in values.values() for v in vs])
    step = (width - 2 * margin) / max(1, len(months) - 1)

    def y(value: int) -> float:
        return round(height - margin - value / top * (height - 2 * margin), 1)

    series = [Series(n, " ".join(f"{margin + i * step:.1f},{y(v)}" for i, v in enumerate(vs)), vs[-1] if vs else 0)
              for n, vs in values.items()]
    ticks = sorted({(y(v), v) for v in (0, top // 2, top)}, key=lambda t: t[1])
    labels = [(round(margin + i * step, 1), start.strftime("%Y-%m")) for i, (start, _) in enumerate(months)]
    return Chart(width, height, labels, ticks, series)


def as_csv(rows: list[tuple[str, dict]], definitions: dict[str, dict]) -> str:
    """One line per branch (or period) and figure, exact values beside the rounded ones."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["scope", "period_start", "period_end", "definitions_version", "figure", "value",
                     "numerator", "denominator", "percent", "definition"])
    for scope, figures in rows:
        for name, figure in figures["figures"].items():
            writer.writerow([scope, figures["period_start"], figures["period_end"], figures["definitions_version"],
                             name, figure.get("value"), figure.get("numerator"), figure.get("denominator"),
                             figure.get("percent", ""), (definitions.get(name) or {}).get("numerator", "")])
    return out.getvalue()
