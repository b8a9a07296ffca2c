"""Sellers in the warehouse: the list for the selector, each seller's time zone and currency, local dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from analytics.queries import load_sql
from data.warehouse import Warehouse

DEFAULT_SELLER_ID = "petshop_kr"
STALE_AFTER_DAYS = 7          # a store whose data ended longer ago than this is viewed as of its latest data


@dataclass(frozen=True)
class SellerProfile:
    seller_id: str
    name: str
    currency: str
    timezone: str
    language: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def list_sellers(wh: Warehouse) -> pl.DataFrame:
    """Every seller: seller_id, name, currency, timezone, language (ordered by seller_id)."""
    return wh.sql(load_sql("list_sellers"))


def default_seller_id(sellers: pl.DataFrame) -> str | None:
    """petshop_kr when present, else the first seller; None for an empty warehouse."""
    ids = sellers["seller_id"].to_list() if sellers.height else []
    if not ids:
        return None
    return DEFAULT_SELLER_ID if DEFAULT_SELLER_ID in ids else ids[0]


def seller_profile(wh: Warehouse, seller_id: str) -> SellerProfile | None:
    """The seller's name, currency, time zone and language; None when the seller does not exist."""
    rows = list_sellers(wh).filter(pl.col("seller_id") == seller_id).to_dicts()
    return SellerProfile(**rows[0]) if rows else None


def seller_timezone(wh: Warehouse, seller_id: str) -> str:
    """The seller's IANA time zone (raises KeyError for an unknown seller)."""
    profile = seller_profile(wh, seller_id)
    if profile is None:
        raise KeyError(seller_id)
    return profile.timezone


def seller_currency(wh: Warehouse, seller_id: str) -> str:
    """The seller's currency code, e.g. KRW (raises KeyError for an unknown seller)."""
    profile = seller_profile(wh, seller_id)
    if profile is None:
        raise KeyError(seller_id)
    return profile.currency


def as_utc_naive(moment: datetime) -> datetime:
    """A moment as the naive UTC timestamp the warehouse stores (naive input is taken as UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_now(tz: str, now_utc: datetime) -> datetime:
    """`now_utc` (naive = UTC) as an aware datetime in zone `tz`."""
    aware = now_utc if now_utc.tzinfo else now_utc.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(tz))


def local_today(tz: str, now_utc: datetime) -> date:
    """Today's date in zone `tz` at the moment `now_utc`."""
    return local_now(tz, now_utc).date()


def local_midnight_utc(tz: str, day: date) -> datetime:
    """The naive UTC timestamp of local midnight starting `day` in zone `tz` (DST-aware)."""
    return as_utc_naive(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)))


def default_date_range(tz: str, now_utc: datetime, days: int = 30) -> tuple[date, date]:
    """The last `days` local days ending today (inclusive) in zone `tz`."""
    today = local_today(tz, now_utc)
    return today - timedelta(days=days - 1), today


def latest_activity_utc(wh: Warehouse, seller_id: str) -> datetime | None:
    """The seller's latest order or visit (naive UTC); None when there is neither."""
    return wh.scalar("SELECT greatest((SELECT max(ordered_at) FROM orders WHERE seller_id = $seller_id), "
                     "(SELECT max(started_at) FROM sessions WHERE seller_id = $seller_id))", {"seller_id": seller_id})


@dataclass(frozen=True)
class DataClock:
    """Where a store's data ends, for a store that is not current (an archive, a feed that stopped)."""
    latest_utc: datetime          # the latest order or visit
    as_of_utc: datetime           # the moment to view the store at: the next whole minute after latest_utc
    days_behind: int              # local days from the latest data's day to today

    @property
    def stale(self) -> bool:
        """Old enough that the app views the store as of its latest data unless the user asks for now."""
        return self.days_behind > STALE_AFTER_DAYS


def data_clock(latest_utc: datetime | None, tz: str, now_utc: datetime) -> DataClock | None:
    """A DataClock when the store's latest order or visit is before yesterday (local), else None (current data:
    pages look at now). Viewed at `as_of_utc`, the latest data's day is "today so far", ending with its last
    order, and every window ends there."""
    if latest_utc is None:
        return None
    behind = (local_today(tz, now_utc) - local_today(tz, latest_utc)).days
    if behind < 2:
        return None
    return DataClock(latest_utc, just_after(latest_utc), behind)


def just_after(latest_utc: datetime) -> datetime:
    """The next whole minute after `latest_utc`: an as-of time that includes the latest data (pages work in
    whole minutes)."""
    return latest_utc.replace(second=0, microsecond=0) + timedelta(minutes=1)


def whole_hour_offsets(tz: str, start_utc: datetime, end_utc: datetime) -> bool:
    """Whether zone `tz` is a whole number of hours from UTC at every moment of [start_utc, end_utc) (Seoul, New
    York across DST: yes; Kolkata +05:30, Lord Howe's half-hour DST: no). Offsets change only at transitions, which
    for such zones fall on whole UTC hours, so checking each hour of the window is exact."""
    zone = ZoneInfo(tz)
    moment = start_utc.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    end = end_utc.replace(tzinfo=UTC)
    while moment < end:
        offset = moment.astimezone(zone).utcoffset()
        if offset is None or offset.total_seconds() % 3600:
            return False
        moment += timedelta(hours=1)
    return True
