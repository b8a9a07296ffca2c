"""The period a report covers: the seller, local dates [start, end], the `as_of` clock and their UTC bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from analytics.sellers import (
    as_utc_naive,
    just_after,
    latest_activity_utc,
    local_midnight_utc,
    local_today,
    seller_profile,
)
from data.warehouse import Warehouse


class ReportError(Exception):
    """A report cannot run as asked (unknown seller, bad dates); the message is for people."""


@dataclass(frozen=True)
class ReportPeriod:
    seller_id: str
    timezone: str
    currency: str
    start_date: date          # first local day, inclusive
    end_date: date            # last local day, inclusive
    as_of_utc: datetime       # naive UTC "now" of the report: nothing after it is read

    @property
    def start_utc(self) -> datetime:
        """Local midnight starting start_date, as naive UTC."""
        return local_midnight_utc(self.timezone, self.start_date)

    @property
    def end_utc(self) -> datetime:
        """End of the window (exclusive) as naive UTC: local midnight after end_date, capped at as_of."""
        return min(local_midnight_utc(self.timezone, self.end_date + timedelta(days=1)), self.as_of_utc)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def previous(self) -> ReportPeriod:
        """The period of equal length just before this one (same as_of rules, ends the day before start)."""
        end = self.start_date - timedelta(days=1)
        return ReportPeriod(self.seller_id, self.timezone, self.currency, end - timedelta(days=self.days - 1), end,
                            min(self.as_of_utc, local_midnight_utc(self.timezone, self.start_date)))

    def to_json(self) -> dict[str, str]:
        return {"seller_id": self.seller_id, "timezone": self.timezone, "currency": self.currency,
                "from": self.start_date.isoformat(), "to": self.end_date.isoformat(),
                "as_of_utc": self.as_of_utc.isoformat(sep=" "), "start_utc": self.start_utc.isoformat(sep=" "),
                "end_utc": self.end_utc.isoformat(sep=" ")}


def parse_as_of(text: str | None, timezone: str) -> datetime:
    """`--as-of`: a date means the end of that local day; a timestamp without zone is local time; none = now."""
    if not text:
        return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return local_midnight_utc(timezone, day + timedelta(days=1))
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(f"--as-of {text!r} is not a date (YYYY-MM-DD) or timestamp (YYYY-MM-DD HH:MM)") from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return as_utc_naive(moment)


def report_period(wh: Warehouse, seller_id: str, *, start: date | str | None = None, end: date | str | None = None,
                  as_of: datetime | str | None = None, default_days: int = 30) -> ReportPeriod:
    """The period for `seller_id`: defaults to the last `default_days` local days up to `as_of` (default now)."""
    profile = seller_profile(wh, seller_id)
    if profile is None:
        raise ReportError(f"Unknown seller {seller_id!r}. Known sellers: python -m data info")
    if isinstance(as_of, str) and as_of.strip().lower() == "latest":
        latest = latest_activity_utc(wh, seller_id)
        if latest is None:
            raise ReportError(f"--as-of latest: store {seller_id!r} has no orders or visits yet")
        as_of_utc = just_after(latest)
    else:
        as_of_utc = as_utc_naive(as_of) if isinstance(as_of, datetime) else parse_as_of(as_of, profile.timezone)
    try:
        end_date = date.fromisoformat(end) if isinstance(end, str) else end
        start_date = date.fromisoformat(start) if isinstance(start, str) else start
    except ValueError as exc:
        raise ReportError(f"Dates must look like 2026-11-21: {exc}") from None
    if end_date is None:
        # as_of exactly at local midnight means "up to the end of the previous day"
        end_date = local_today(profile.timezone, as_of_utc - timedelta(microseconds=1))
    if start_date is None:
        start_date = end_date - timedelta(days=default_days - 1)
    if start_date > end_date:
        raise ReportError(f"--from {start_date} is after --to {end_date}")
    return ReportPeriod(seller_id, profile.timezone, profile.currency, start_date, end_date, as_of_utc)
