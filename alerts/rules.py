"""The built-in alert rules (what is watched, how quietly) and the per-seller settings that adjust them.

Sensible defaults need no configuration: every seller gets every rule at `normal` sensitivity. A seller can
switch a rule off, change its sensitivity (low / normal / high) or snooze it until a moment; those choices
live in the warehouse (tables alert_rules, alert_settings; alerts/store.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from alerts.detect import DailyConfig, IntradayConfig

SENSITIVITIES = ("low", "normal", "high")


@dataclass(frozen=True)
class Rule:
    """One watched metric. `group` rules are folded into one alert per store and day (the strongest leads)."""
    rule_id: str
    metric: str            # column of the series frame (alerts/series.py) or a named check
    kind: str              # daily | intraday | campaign | product
    directions: tuple[str, ...]   # which changes alert: drop, spike
    group: str = ""        # store: folded into one store alert per day
    min_expected: float = 0.0     # volume gate in the metric's own unit (see also gate_metric)
    gate_metric: str = ""  # gate on another series' expected value instead (e.g. orders for revenue)
    gate_min: float = 0.0
    continuation_days: int = 1    # an alert within this many days before on the same subject = same episode


RULES: tuple[Rule, ...] = (
    Rule("revenue_daily", "revenue", "daily", ("drop",), "store", gate_metric="order_count", gate_min=3),
    Rule("orders_daily", "order_count", "daily", ("drop",), "store", min_expected=3),
    Rule("sessions_daily", "session_count", "daily", ("drop",), "store", min_expected=30),
    Rule("conversion_daily", "conversion", "daily", ("drop",), "store", gate_metric="session_count", gate_min=100),
    Rule("aov_daily", "aov", "daily", ("drop",), "store", gate_metric="order_count", gate_min=10),
    Rule("revenue_intraday", "revenue", "intraday", ("drop",), min_expected=0.0),
    Rule("roas_campaign", "roas", "campaign", ("drop",), gate_metric="conversions", gate_min=3),
    Rule("cpc_campaign", "cpc", "campaign", ("spike",), gate_metric="clicks", gate_min=30),
    Rule("returns_product", "claim_rate", "product", ("spike",), continuation_days=14),
    Rule("stock_out_product", "on_hand", "product", ("drop",), continuation_days=10_000),
)
RULES_BY_ID = {r.rule_id: r for r in RULES}


@dataclass(frozen=True)
class RuleState:
    """A rule as one seller has it: on or off, how sensitive, snoozed until when."""
    rule: Rule
    enabled: bool = True
    sensitivity: str = "normal"
    muted_until: datetime | None = None       # UTC

    def active(self, now_utc: datetime) -> bool:
        return self.enabled and (self.muted_until is None or self.muted_until <= now_utc)


def daily_config(sensitivity: str, base: DailyConfig | None = None) -> DailyConfig:
    """The daily detector's thresholds for a sensitivity: low alerts only on big, clear changes."""
    cfg = base or DailyConfig()
    if sensitivity == "low":
        return replace(cfg, z_info=4.0, z_warning=5.5, rel_info=0.25, rel_warning=0.40)
    if sensitivity == "high":
        return replace(cfg, z_info=2.5, z_warning=3.5, rel_info=0.10, rel_warning=0.20)
    return cfg


def intraday_config(sensitivity: str, base: IntradayConfig | None = None) -> IntradayConfig:
    cfg = base or IntradayConfig()
    if sensitivity == "low":
        return replace(cfg, z_info=4.0, rel_info=0.40, rel_warning=0.55)
    if sensitivity == "high":
        return replace(cfg, z_info=2.5, rel_info=0.15, rel_warning=0.30)
    return cfg


def fires(severities: list[str], direction_ok: list[bool]) -> bool:
    """Quiet by design: the latest day alerts when it is a warning or worse, or when a milder change (info)
    persists: 2 of the last 3 days in the same direction. Lists are oldest first, the latest day last."""
    if not severities or not direction_ok[-1] or severities[-1] == "none":
        return False
    if severities[-1] in ("warning", "critical"):
        return True
    return sum(1 for s, ok in zip(severities[-3:], direction_ok[-3:], strict=True) if ok and s != "none") >= 2
