"""UI strings (ko/en) and metric definitions of the realtime area; keys start with "realtime."."""

from __future__ import annotations

from analytics.metric_model import Metric

STRINGS: dict[str, dict[str, str]] = {
}

METRICS: tuple[Metric, ...] = (
)
