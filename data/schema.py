"""Warehouse schema: ordered forward migrations and the schema version they produce.

Grain and conventions (every fact table):
- `seller_id` on every row; a seller only ever sees rows with their own id.
- Timestamps are UTC (`TIMESTAMP`, no zone); the seller's zone is on `sellers.timezone`.
- Money is DECIMAL(18, 2) in the seller's currency (KRW has no minor unit, so .00).
- Natural keys are enforced by the loader (anti-join on load), not by indexes, so that
  10M-line fact tables load fast; `loads` records every file or push that wrote rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from data import rollups


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "star schema: sellers, products, customers, orders, items, returns, sessions, ads, inventory, loads", """
CREATE TABLE sellers (
    seller_id   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    currency    VARCHAR NOT NULL DEFAULT 'KRW',
    timezone    VARCHAR NOT NULL DEFAULT 'Asia/Seoul',
    language    VARCHAR NOT NULL DEFAULT 'ko',
    created_at  TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP
);

-- one row per seller and SKU; non-product lines (postage, fees) have line_type <> 'product'
CREATE TABLE products (
    seller_id   VARCHAR NOT NULL,
    sku         VARCHAR NOT NULL,
    name        VARCHAR,
    category    VARCHAR,
    price       DECIMAL(18, 2),
    unit_cost   DECIMAL(18, 2),
    pack_size   INTEGER,
    attributes  VARCHAR,            -- free text, e.g. 'size=S; flavour=chicken'
    line_type   VARCHAR NOT NULL DEFAULT 'product',
    updated_at  TIMESTAMP,
    PRIMARY KEY (seller_id, sku)
);

-- one row per seller and customer; guests have no row (orders.customer_id is NULL)
CREATE TABLE customers (
    seller_id     VARCHAR NOT NULL,
    customer_id   VARCHAR NOT NULL,
    first_seen_at TIMESTAMP,
    grade         VARCHAR,
    country       VARCHAR,
    PRIMARY KEY (seller_id, customer_id)
);

-- one row per order (natural key: seller_id, order_id)
CREATE TABLE orders (
    seller_id       VARCHAR NOT NULL,
    order_id        VARCHAR NOT NULL,
    ordered_at      TIMESTAMP NOT NULL,   -- UTC
    customer_id     VARCHAR,              -- NULL: guest checkout
    channel         VARCHAR,              -- e.g. smartstore, shopify, online_store, app
    status          VARCHAR NOT NULL,     -- paid | pending | cancelled | refunded | partially_refunded
    currency        VARCHAR,
    shipping_fee    DECIMAL(18, 2) NOT NULL DEFAULT 0,
    discount        DECIMAL(18, 2) NOT NULL DEFAULT 0,   -- order-level discount
    refunded_amount DECIMAL(18, 2) NOT NULL DEFAULT 0,
    country         VARCHAR,
    load_id         BIGINT
);

-- one row per order line (natural key: seller_id, order_id, line_no)
CREATE TABLE order_items (
    seller_id     VARCHAR NOT NULL,
    order_id      VARCHAR NOT NULL,
    line_no       INTEGER NOT NULL,
    ordered_at    TIMESTAMP NOT NULL,     -- copied from orders for fast time filters
    sku           VARCHAR,
    product_name  VARCHAR,
    quantity      INTEGER NOT NULL,
    unit_price    DECIMAL(18, 2) NOT NULL,
    discount      DECIMAL(18, 2) NOT NULL DEFAULT 0,   -- line-level discount
    line_type     VARCHAR NOT NULL DEFAULT 'product', -- product | shipping | fee | adjustment
    load_id       BIGINT
);

-- returns, exchanges and cancellations (natural key: seller_id, return_id, line_no)
CREATE TABLE returns (
    seller_id    VARCHAR NOT NULL,
    return_id    VARCHAR NOT NULL,
    line_no      INTEGER NOT NULL,
    order_id     VARCHAR,                -- the original order when known
    customer_id  VARCHAR,
    sku          VARCHAR,
    returned_at  TIMESTAMP NOT NULL,
    quantity     INTEGER NOT NULL,       -- positive number of units returned
    amount       DECIMAL(18, 2) NOT NULL, -- positive money given back
    claim_type   VARCHAR NOT NULL,       -- return | exchange | cancel
    reason       VARCHAR,
    line_type    VARCHAR NOT NULL DEFAULT 'product',
    load_id      BIGINT
);

-- one row per visit (natural key: seller_id, session_id)
CREATE TABLE sessions (
    seller_id      VARCHAR NOT NULL,
    session_id     VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    channel        VARCHAR,      -- search | ads | social | direct | referral | email
    source         VARCHAR,      -- naver, google, instagram, ...
    medium         VARCHAR,      -- organic, cpc, social, ...
    search_keyword VARCHAR,      -- the inbound search keyword used just before arriving
    landing_sku    VARCHAR,
    pageviews      INTEGER,
    device         VARCHAR,
    customer_id    VARCHAR,
    order_id       VARCHAR,      -- set when the visit converted
    load_id        BIGINT
);

-- ad platform statistics, daily or hourly
-- (natural key: seller_id, stat_date, stat_hour, platform, campaign, ad_group, keyword)
CREATE TABLE ad_stats (
    seller_id          VARCHAR NOT NULL,
    stat_date          DATE NOT NULL,    -- in the seller's time zone, as the platforms report
    stat_hour          INTEGER,          -- 0-23, NULL for daily rows
    platform           VARCHAR NOT NULL,
    campaign           VARCHAR NOT NULL,
    ad_group           VARCHAR NOT NULL DEFAULT '',
    keyword            VARCHAR NOT NULL DEFAULT '',
    impressions        BIGINT NOT NULL DEFAULT 0,
    clicks             BIGINT NOT NULL DEFAULT 0,
    cost               DECIMAL(18, 2) NOT NULL DEFAULT 0,
    conversions        BIGINT NOT NULL DEFAULT 0,
    conversion_revenue DECIMAL(18, 2) NOT NULL DEFAULT 0,
    attribution_window_days INTEGER,
    load_id            BIGINT
);

-- stock snapshots (natural key: seller_id, snapshot_date, sku)
CREATE TABLE inventory (
    seller_id      VARCHAR NOT NULL,
    snapshot_date  DATE NOT NULL,
    sku            VARCHAR NOT NULL,
    on_hand        INTEGER NOT NULL,
    inbound        INTEGER NOT NULL DEFAULT 0,
    lead_time_days INTEGER,
    load_id        BIGINT
);

CREATE SEQUENCE load_id_seq START 1;

-- one row per ingested file or API push
CREATE TABLE loads (
    load_id        BIGINT PRIMARY KEY,
    seller_id      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,     -- file name, 'api', or 'demo'
    format         VARCHAR,
    checksum       VARCHAR,              -- sha256 of the bytes read
    rows_read      BIGINT NOT NULL,
    rows_loaded    BIGINT NOT NULL,
    rows_duplicate BIGINT NOT NULL,      -- already in the warehouse (natural key)
    rows_rejected  BIGINT NOT NULL,      -- set aside by --skip-invalid
    rejects_path   VARCHAR,
    status         VARCHAR NOT NULL,     -- loaded | partial | nothing_new
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    message        VARCHAR
);
"""),
    Migration(2, "load rejects with reasons; demo incident ground truth", """
-- rows set aside by a --skip-invalid load, with the reason (first 1000 per load)
CREATE TABLE load_rejects (
    load_id     BIGINT NOT NULL,
    row_number  BIGINT NOT NULL,     -- 1-based data row in the file (header not counted)
    column_name VARCHAR,
    reason      VARCHAR NOT NULL,
    value       VARCHAR
);

-- ground truth of incidents the demo generator injected, for tests and reviewers
CREATE TABLE demo_incidents (
    seller_id   VARCHAR NOT NULL,
    incident    VARCHAR NOT NULL,    -- sales_drop | ad_collapse | returns_spike | stock_out | unmet_keyword
    subject     VARCHAR,             -- sku, campaign or keyword concerned
    starts_at   TIMESTAMP NOT NULL,  -- UTC
    ends_at     TIMESTAMP,           -- UTC, NULL: still going on
    magnitude   DOUBLE,              -- e.g. 0.6 = 60 % drop, 4.0 = four times the usual rate
    description VARCHAR NOT NULL
);
"""),
    Migration(3, "alerts: per-seller settings and rules, raised alerts, delivery attempts", """
-- one row per seller: where and when alerts go (absent row = defaults: no recipients, 08:00, seller's language)
CREATE TABLE alert_settings (
    seller_id        VARCHAR PRIMARY KEY,
    recipients       VARCHAR NOT NULL DEFAULT '',   -- comma-separated email addresses
    language         VARCHAR,                       -- ko | en; NULL: the seller's language
    digest_time      VARCHAR NOT NULL DEFAULT '08:00',  -- HH:MM in the seller's time zone
    intraday_enabled BOOLEAN NOT NULL DEFAULT true,
    updated_at       TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP
);

-- per-seller overrides of the built-in rules (alerts/rules.py); absent row = the rule's defaults
CREATE TABLE alert_rules (
    seller_id    VARCHAR NOT NULL,
    rule_id      VARCHAR NOT NULL,                -- e.g. revenue_daily, roas_campaign
    enabled      BOOLEAN NOT NULL DEFAULT true,
    sensitivity  VARCHAR NOT NULL DEFAULT 'normal',  -- low | normal | high
    muted_until  TIMESTAMP,                       -- UTC; snoozed until then (NULL: not snoozed)
    updated_at   TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP,
    PRIMARY KEY (seller_id, rule_id)
);

-- one row per raised alert; alert_key = seller|rule|subject|window is the idempotency key
CREATE TABLE alerts (
    alert_key     VARCHAR PRIMARY KEY,
    seller_id     VARCHAR NOT NULL,
    rule_id       VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,
    subject       VARCHAR NOT NULL,      -- 'store', a campaign, a sku
    check_kind    VARCHAR NOT NULL,      -- daily | intraday
    window_start  TIMESTAMP NOT NULL,    -- UTC, the window the alert is about
    window_end    TIMESTAMP NOT NULL,
    detected_at   TIMESTAMP NOT NULL,    -- UTC
    severity      VARCHAR NOT NULL,      -- info | warning | critical
    direction     VARCHAR NOT NULL,      -- drop | spike
    observed      DOUBLE,
    expected      DOUBLE,
    lower_bound   DOUBLE,
    upper_bound   DOUBLE,
    change_share  DOUBLE,                -- observed / expected - 1
    score         DOUBLE,                -- anomaly score in [0, 1]
    headline_ko   VARCHAR NOT NULL,
    headline_en   VARCHAR NOT NULL,
    details       VARCHAR NOT NULL,      -- JSON: explanation, series for the chart
    status        VARCHAR NOT NULL DEFAULT 'pending',  -- pending | retrying | sent | outbox | failed | acknowledged | not_anomaly | suppressed
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP,           -- UTC, when status = retrying
    status_at     TIMESTAMP NOT NULL
);

-- every delivery attempt of every alert or test email
CREATE TABLE alert_deliveries (
    alert_key     VARCHAR NOT NULL,
    attempt       INTEGER NOT NULL,
    attempted_at  TIMESTAMP NOT NULL,    -- UTC
    channel       VARCHAR NOT NULL,      -- smtp | outbox
    recipients    VARCHAR NOT NULL,
    outcome       VARCHAR NOT NULL,      -- delivered | transient_error | permanent_error
    detail        VARCHAR
);
"""),
    Migration(4, "analysts' workspace: saved queries (private or shared, optionally an alert metric), query history", """
-- a saved SQL query of the workspace; shared = every signed-in user may open it (it runs in their own scope)
CREATE TABLE saved_queries (
    query_id      VARCHAR PRIMARY KEY,
    owner         VARCHAR NOT NULL,       -- user name (SI_USERS_FILE)
    name          VARCHAR NOT NULL,
    sql           VARCHAR NOT NULL,
    params        VARCHAR NOT NULL DEFAULT '{}',   -- JSON: the parameter values it was saved with
    shared        BOOLEAN NOT NULL DEFAULT false,
    alert_enabled BOOLEAN NOT NULL DEFAULT false,  -- its (day, value) result is watched by the daily alert check
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- every workspace run: who, what, how it ended
CREATE TABLE query_history (
    owner       VARCHAR NOT NULL,
    ran_at      TIMESTAMP NOT NULL,
    sql         VARCHAR NOT NULL,
    params      VARCHAR NOT NULL DEFAULT '{}',
    status      VARCHAR NOT NULL,         -- ok | refused | timeout | cancelled | error
    row_count   BIGINT,
    elapsed_s   DOUBLE,
    message     VARCHAR
);
"""),
    Migration(5, "hourly rollups of sessions and order lines (data/rollups.py), filled from the rows already loaded",
              rollups.migration_sql(rollups.MIGRATION_5)),
    Migration(6, "the visits carrying an order id (data/rollups.py), filled from the sessions already loaded",
              rollups.migration_sql(rollups.MIGRATION_6)),
    Migration(7, "visits counted by day (a Smart Store 마케팅분석 download and other daily traffic reports)", """
-- visits counted by day by the shop platform's own analytics, for stores without visit-level data (a Smart Store
-- seller gets only these): per day, channel, source, medium, device, search keyword and landing product
-- (natural key: seller_id, stat_date, channel, source, medium, device, search_keyword, landing_sku; NULL = not
-- given). Orders and revenue are the report's own attribution (Smart Store: last click). Reports read a day from
-- here only when it has no visit-level sessions (analytics/sql/traffic_period_session_counts.sql).
CREATE TABLE traffic_stats (
    seller_id        VARCHAR NOT NULL,
    stat_date        DATE NOT NULL,        -- the seller's local day, as the report gives it
    channel          VARCHAR,              -- search | ads | social | direct | referral | email | as reported
    source           VARCHAR,
    medium           VARCHAR,
    device           VARCHAR,              -- mobile | desktop | tablet
    search_keyword   VARCHAR,
    landing_sku      VARCHAR,
    sessions         BIGINT NOT NULL DEFAULT 0,   -- visits (Smart Store 유입수)
    engaged_sessions BIGINT,                      -- NULL: the report does not say
    pageviews        BIGINT,
    orders           BIGINT NOT NULL DEFAULT 0,   -- orders the report attributes to these visits
    revenue          DECIMAL(18, 2) NOT NULL DEFAULT 0,
    load_id          BIGINT
);
"""),
    Migration(8, "loads whose rows await their rollup refresh (data/rollups.py)", """
-- a load of orders or sessions whose rows are in the raw tables but not yet in the hourly rollups: written in the
-- load's own transaction, deleted in its rollup refresh's. Reports read the raw rows of those hours meanwhile.
CREATE TABLE rollup_pending (
    seller_id  VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,     -- orders | sessions
    load_id    BIGINT NOT NULL,
    first_hour TIMESTAMP NOT NULL,   -- UTC: the first whole hour the load wrote rows into
    end_hour   TIMESTAMP NOT NULL    -- UTC: the hour after the last one
);
"""),
    Migration(9, "the carried orders of the visits carrying an order id (data/rollups.py: rollup_session_orders), "
                 "filled from the rollups already built", """
-- a warehouse whose migration 6 ran before these columns existed gets them here (a newer one has them already)
ALTER TABLE rollup_session_orders ADD COLUMN IF NOT EXISTS shared BOOLEAN;
ALTER TABLE rollup_session_orders ADD COLUMN IF NOT EXISTS order_ordered_at TIMESTAMP;
ALTER TABLE rollup_session_orders ADD COLUMN IF NOT EXISTS order_status VARCHAR;
ALTER TABLE rollup_session_orders ADD COLUMN IF NOT EXISTS order_net DECIMAL(38, 2);
""" + rollups.fill_carrier_orders_sql(None) + ";"),
)

LATEST_VERSION = MIGRATIONS[-1].version

# Tables a seller's rows live in, in the order the data page lists them.
FACT_TABLES = ("orders", "order_items", "returns", "sessions", "traffic_stats", "ad_stats", "inventory")
DIMENSION_TABLES = ("sellers", "products", "customers")
