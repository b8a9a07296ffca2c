"""CDNOW sample (Fader & Hardie) to a canonical orders CSV, so the published CLV results go through our ingest."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def read_cdnow_sample(path: str | Path) -> pl.DataFrame:
    """CDNOW_sample.txt (whitespace separated, no header: master id, sample id, day, CDs, dollars) or
    CDNOW_master.txt (a header line, then customer id, day, CDs, dollars) as customer_id, order_date, cd_count,
    dollars."""
    rows = []
    for line in Path(path).read_text(encoding="ascii").splitlines():
        parts = line.split()
        if len(parts) == 5:
            master_id, _sample_id, day, cds, dollars = parts
            rows.append((master_id, day, int(cds), float(dollars)))
        elif len(parts) == 4 and parts[1].isdigit():
            master_id, day, cds, dollars = parts
            rows.append((master_id, day, int(cds), float(dollars)))
    frame = pl.DataFrame(rows, schema={"customer_id": pl.String, "day": pl.String, "cd_count": pl.Int64,
                                       "dollars": pl.Float64}, orient="row")
    return frame.with_columns(pl.col("day").str.strptime(pl.Date, "%Y%m%d").alias("order_date")).drop("day")


def cdnow_orders_frame(sample: pl.DataFrame) -> pl.DataFrame:
    """One canonical order per purchase line: order_id '<customer>-<line>', ordered_at at midnight of the day,
    one line 'CD' with quantity 1 and unit_price = the line's dollars (the money is exact; the CD count is in
    the product name)."""
    return sample.with_row_index("line").select(
        pl.format("{}-{}", "customer_id", pl.col("line") + 1).alias("order_id"),
        pl.col("order_date").dt.strftime("%Y-%m-%d 00:00:00").alias("ordered_at"),
        pl.lit("CD").alias("sku"),
        pl.format("{} CDs", "cd_count").alias("product_name"),
        pl.lit(1).alias("quantity"),
        pl.col("dollars").round(2).alias("unit_price"),
        pl.col("customer_id"),
        pl.lit("USD").alias("currency"),
    )


def write_cdnow_orders_csv(sample_path: str | Path, csv_path: str | Path) -> Path:
    """Write the canonical orders CSV of CDNOW_sample.txt to csv_path; returns the path."""
    out = Path(csv_path)
    cdnow_orders_frame(read_cdnow_sample(sample_path)).write_csv(out)
    return out
