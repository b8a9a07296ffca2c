"""UI strings (ko/en) and metric definitions of the customers area; keys start with "customers."."""

from __future__ import annotations

from analytics.metric_model import Metric

STRINGS: dict[str, dict[str, str]] = {
}

METRICS: tuple[Metric, ...] = (
)
