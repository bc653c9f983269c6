-- plan of orders for [2018-11-03 00:00, 2018-11-04 00:00) on redshift

-- step setup (setup)
SELECT
  table_name,
  column_name,
  CASE
    WHEN NOT character_maximum_length IS NULL
    THEN data_type || '(' || CAST(character_maximum_length AS VARCHAR) || ')'
    WHEN data_type = 'numeric'
    THEN data_type || '(' || CAST(numeric_precision AS VARCHAR) || ',' || CAST(numeric_scale AS VARCHAR) || ')'
    ELSE data_type
  END,
  is_nullable = 'YES',
  ordinal_position
FROM svv_columns
WHERE
  table_schema = 'public';
SELECT
  table_name,
  NULL,
  remarks
FROM svv_tables
WHERE
  table_schema = 'public'
UNION ALL
SELECT
  table_name,
  column_name,
  remarks
FROM svv_columns
WHERE
  table_schema = 'public';
SELECT
  table_name,
  column_name,
  CASE
    WHEN NOT character_maximum_length IS NULL
    THEN data_type || '(' || CAST(character_maximum_length AS VARCHAR) || ')'
    WHEN data_type = 'numeric'
    THEN data_type || '(' || CAST(numeric_precision AS VARCHAR) || ',' || CAST(numeric_scale AS VARCHAR) || ')'
    ELSE data_type
  END,
  is_nullable = 'YES',
  ordinal_position
FROM svv_columns
WHERE
  table_schema = 'ledger';
SELECT
  "table_name",
  "fingerprint",
  "definition"
FROM "ledger"."definitions"
WHERE
  "spec" = 'orders'
ORDER BY
  "recorded_at";
-- additive  orders: add table
-- additive  order_status: add table
-- the step's changes and its ledger row, in one transaction:
CREATE SCHEMA IF NOT EXISTS "staging";
CREATE SCHEMA IF NOT EXISTS "ledger";
CREATE TABLE IF NOT EXISTS "ledger"."steps" (
  "spec" VARCHAR(128) NOT NULL,
  "interval_start" TIMESTAMP NOT NULL,
  "interval_end" TIMESTAMP NOT NULL,
  "step" VARCHAR(128) NOT NULL,
  "table_name" VARCHAR(128),
  "status" VARCHAR(16) NOT NULL,
  "staged" BIGINT,
  "inserted" BIGINT,
  "updated" BIGINT,
  "deleted" BIGINT,
  "rejected" BIGINT,
  "checks_passed" INTEGER,
  "checks_failed" INTEGER,
  "message" VARCHAR(4096),
  "started_at" TIMESTAMP NOT NULL,
  "finished_at" TIMESTAMP NOT NULL,
  "run_id" VARCHAR(256),
  "definition" VARCHAR(16),
  "extract_kind" VARCHAR(16)
);
CREATE TABLE IF NOT EXISTS "ledger"."definitions" (
  "spec" VARCHAR(128) NOT NULL,
  "table_name" VARCHAR(128) NOT NULL,
  "fingerprint" VARCHAR(16) NOT NULL,
  "definition" VARCHAR(65535) NOT NULL,
  "recorded_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "ledger"."objects" (
  "spec" VARCHAR(128) NOT NULL,
  "source" VARCHAR(128) NOT NULL,
  "table_name" VARCHAR(128) NOT NULL,
  "url" VARCHAR(1024) NOT NULL,
  "version" VARCHAR(128) NOT NULL,
  "interval_key" VARCHAR(32) NOT NULL,
  "status" VARCHAR(16) NOT NULL,
  "recorded_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "ledger"."checks" (
  "spec" VARCHAR(128) NOT NULL,
  "interval_start" TIMESTAMP NOT NULL,
  "interval_end" TIMESTAMP NOT NULL,
  "table_name" VARCHAR(128) NOT NULL,
  "check_name" VARCHAR(512) NOT NULL,
  "severity" VARCHAR(8) NOT NULL,
  "status" VARCHAR(8) NOT NULL,
  "failures" BIGINT NOT NULL,
  "sample" VARCHAR(4096),
  "checked_at" TIMESTAMP NOT NULL,
  "run_id" VARCHAR(256)
);
CREATE TABLE IF NOT EXISTS "ledger"."rejects" (
  "spec" VARCHAR(128) NOT NULL,
  "interval_start" TIMESTAMP NOT NULL,
  "interval_end" TIMESTAMP NOT NULL,
  "source" VARCHAR(128) NOT NULL,
  "url" VARCHAR(1024) NOT NULL,
  "line" BIGINT,
  "reason" VARCHAR(1024) NOT NULL,
  "raw" VARCHAR(4096),
  "recorded_at" TIMESTAMP NOT NULL,
  "run_id" VARCHAR(256)
);
CREATE TABLE IF NOT EXISTS "orders" (
  "order_id" INTEGER NOT NULL,
  "customer_id" INTEGER NOT NULL,
  "status" VARCHAR(16) NOT NULL,
  "amount" DECIMAL(10, 2),
  "ordered_at" TIMESTAMP NOT NULL,
  "updated_at" TIMESTAMP NOT NULL,
  PRIMARY KEY ("order_id")
)
DISTSTYLE KEY
DISTKEY("customer_id")
COMPOUND SORTKEY("ordered_at");
COMMENT ON TABLE "orders" IS 'One row per order, in its latest status, whatever day it changed.';
CREATE TABLE IF NOT EXISTS "order_status" (
  "order_id" INTEGER NOT NULL,
  "status" VARCHAR(16) NOT NULL,
  "updated_at" TIMESTAMP NOT NULL,
  PRIMARY KEY ("order_id")
)
DISTSTYLE AUTO;
COMMENT ON TABLE "order_status" IS 'The latest status of each order; no time column, so it is loaded by key.';
-- with the definitions values bound by the runner:
INSERT INTO "ledger"."definitions" ("spec", "table_name", "fingerprint", "definition", "recorded_at") VALUES (%(spec)s, %(table_name)s, %(fingerprint)s, %(definition)s, %(recorded_at)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step stage_order_changes (stage) after setup
-- 1 object(s)
--   s3://shop-raw/orders/2018-11-03.json
-- COPY signs with the keys of the environment's AWS credentials, or the cluster's default IAM role without (secrets masked)
DROP TABLE IF EXISTS "staging"."order_changes_20181103";
CREATE TABLE "staging"."order_changes_20181103" (
  "order_id" INTEGER,
  "customer_id" INTEGER,
  "status" VARCHAR(16),
  "amount" DECIMAL(10, 2),
  "ordered_at" TIMESTAMP,
  "updated_at" TIMESTAMP
)
BACKUP NO;
-- write s3://shop-warehouse/staging/orders/manifests/order_changes/20181103.manifest:
--   {
--    "entries": [
--     {
--      "url": "s3://shop-raw/orders/2018-11-03.json",
--      "mandatory": true
--     }
--    ]
--   }
COPY "staging"."order_changes_20181103" (
  "order_id",
  "customer_id",
  "status",
  "amount",
  "ordered_at",
  "updated_at"
)
FROM 's3://shop-warehouse/staging/orders/manifests/order_changes/20181103.manifest'
ACCESS_KEY_ID 'FOOBARKEY'
SECRET_ACCESS_KEY '***'
FORMAT AS JSON 'auto'
TIMEFORMAT 'auto'
MAXERROR 100000
COMPUPDATE OFF
STATUPDATE OFF
MANIFEST;
SELECT
  PG_LAST_COPY_COUNT() AS "staged";
SELECT
  TRIM(filename) AS "url",
  line_number AS "line",
  CASE
    WHEN TRIM(colname) = ''
    THEN TRIM(err_reason)
    ELSE TRIM(colname) || ': ' || TRIM(err_reason)
  END AS "reason",
  TRIM(raw_line) AS "raw"
FROM stl_load_errors
WHERE
  query = PG_LAST_COPY_ID()
ORDER BY
  filename,
  line_number;
-- commit; then in one transaction, a lock held for the 3 statement(s) after it, until the step commits:
LOCK "ledger"."rejects", "ledger"."steps";
DELETE FROM "ledger"."rejects"
WHERE
  "spec" = 'orders'
  AND "source" = 'order_changes'
  AND "interval_start" = CAST('2018-11-03 00:00:00' AS TIMESTAMP);
-- with the rejects values bound by the runner:
INSERT INTO "ledger"."rejects" ("spec", "interval_start", "interval_end", "source", "url", "line", "reason", "raw", "recorded_at", "run_id") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(source)s, %(url)s, %(line)s, %(reason)s, %(raw)s, %(recorded_at)s, %(run_id)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step load_orders (facts) after stage_order_changes
DROP TABLE IF EXISTS "staging"."orders__merged_20181103";
CREATE TABLE "staging"."orders__merged_20181103" (
  "order_id" INTEGER NOT NULL,
  "customer_id" INTEGER NOT NULL,
  "status" VARCHAR(16) NOT NULL,
  "amount" DECIMAL(10, 2),
  "ordered_at" TIMESTAMP NOT NULL,
  "updated_at" TIMESTAMP NOT NULL
)
BACKUP NO;
INSERT INTO "staging"."orders__merged_20181103" (
  "order_id",
  "customer_id",
  "status",
  "amount",
  "ordered_at",
  "updated_at"
)
SELECT
  "ranked"."order_id",
  "ranked"."customer_id",
  "ranked"."status",
  "ranked"."amount",
  "ranked"."ordered_at",
  "ranked"."updated_at"
FROM (
  SELECT
    "order_id",
    "customer_id",
    "status",
    "amount",
    "ordered_at",
    "updated_at",
    ROW_NUMBER() OVER (
      PARTITION BY "order_id"
      ORDER BY "updated_at" DESC NULLS LAST, "order_id" ASC, "customer_id" ASC, "status" ASC, "amount" ASC, "ordered_at" ASC, "updated_at" ASC
    ) AS "_row"
  FROM (
    SELECT
      "c"."order_id",
      "c"."customer_id",
      "c"."status",
      "c"."amount",
      "c"."ordered_at",
      "c"."updated_at"
    FROM "staging"."order_changes_20181103" AS "c"
  ) AS "source"
) AS "ranked"
WHERE
  "ranked"."_row" = 1;
-- commit; then in one transaction, a lock held for the 5 statement(s) after it, until the step commits:
LOCK "ledger"."steps", "orders", "staging"."orders__merged_20181103";
DELETE FROM "staging"."orders__merged_20181103" USING   "orders"
WHERE
  "orders"."order_id" = "orders__merged_20181103"."order_id"
  AND "orders"."updated_at" > "orders__merged_20181103"."updated_at";
SELECT
  COUNT(*) - COUNT("loaded"."order_id") AS "inserted",
  COUNT("loaded"."order_id") AS "updated"
FROM "staging"."orders__merged_20181103" AS "batch"
LEFT JOIN "orders" AS "loaded"
  ON "batch"."order_id" = "loaded"."order_id";
MERGE INTO "orders"
USING "staging"."orders__merged_20181103" AS "batch"
ON "orders"."order_id" = "batch"."order_id"
WHEN MATCHED THEN UPDATE SET
  "customer_id" = "batch"."customer_id",
  "status" = "batch"."status",
  "amount" = "batch"."amount",
  "ordered_at" = "batch"."ordered_at",
  "updated_at" = "batch"."updated_at"
WHEN NOT MATCHED THEN INSERT ("order_id", "customer_id", "status", "amount", "ordered_at", "updated_at") VALUES (
  "batch"."order_id",
  "batch"."customer_id",
  "batch"."status",
  "batch"."amount",
  "batch"."ordered_at",
  "batch"."updated_at"
);
SELECT
  COUNT(*) AS "merged"
FROM "staging"."orders__merged_20181103" AS "batch"
JOIN "orders" AS "loaded"
  ON "loaded"."order_id" = "batch"."order_id"
  AND (
    "loaded"."customer_id" = "batch"."customer_id"
    OR (
      "loaded"."customer_id" IS NULL AND "batch"."customer_id" IS NULL
    )
  )
  AND (
    "loaded"."status" = "batch"."status"
    OR (
      "loaded"."status" IS NULL AND "batch"."status" IS NULL
    )
  )
  AND (
    "loaded"."amount" = "batch"."amount"
    OR (
      "loaded"."amount" IS NULL AND "batch"."amount" IS NULL
    )
  )
  AND (
    "loaded"."ordered_at" = "batch"."ordered_at"
    OR (
      "loaded"."ordered_at" IS NULL AND "batch"."ordered_at" IS NULL
    )
  )
  AND (
    "loaded"."updated_at" = "batch"."updated_at"
    OR (
      "loaded"."updated_at" IS NULL AND "batch"."updated_at" IS NULL
    )
  );
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step load_order_status (facts) after stage_order_changes
DROP TABLE IF EXISTS "staging"."order_status__merged_20181103";
CREATE TABLE "staging"."order_status__merged_20181103" (
  "order_id" INTEGER NOT NULL,
  "status" VARCHAR(16) NOT NULL,
  "updated_at" TIMESTAMP NOT NULL
)
BACKUP NO;
INSERT INTO "staging"."order_status__merged_20181103" (
  "order_id",
  "status",
  "updated_at"
)
SELECT
  "ranked"."order_id",
  "ranked"."status",
  "ranked"."updated_at"
FROM (
  SELECT
    "order_id",
    "status",
    "updated_at",
    ROW_NUMBER() OVER (
      PARTITION BY "order_id"
      ORDER BY "updated_at" DESC NULLS LAST, "order_id" ASC, "status" ASC, "updated_at" ASC
    ) AS "_row"
  FROM (
    SELECT
      "c"."order_id",
      "c"."status",
      "c"."updated_at"
    FROM "staging"."order_changes_20181103" AS "c"
  ) AS "source"
) AS "ranked"
WHERE
  "ranked"."_row" = 1;
-- commit; then in one transaction, a lock held for the 5 statement(s) after it, until the step commits:
LOCK "ledger"."steps", "order_status", "staging"."order_status__merged_20181103";
DELETE FROM "staging"."order_status__merged_20181103" USING   "order_status"
WHERE
  "order_status"."order_id" = "order_status__merged_20181103"."order_id"
  AND "order_status"."updated_at" > "order_status__merged_20181103"."updated_at";
SELECT
  COUNT(*) - COUNT("loaded"."order_id") AS "inserted",
  COUNT("loaded"."order_id") AS "updated"
FROM "staging"."order_status__merged_20181103" AS "batch"
LEFT JOIN "order_status" AS "loaded"
  ON "batch"."order_id" = "loaded"."order_id";
MERGE INTO "order_status"
USING "staging"."order_status__merged_20181103" AS "batch"
ON "order_status"."order_id" = "batch"."order_id"
WHEN MATCHED THEN UPDATE SET
  "status" = "batch"."status",
  "updated_at" = "batch"."updated_at"
WHEN NOT MATCHED THEN INSERT ("order_id", "status", "updated_at") VALUES ("batch"."order_id", "batch"."status", "batch"."updated_at");
SELECT
  COUNT(*) AS "merged"
FROM "staging"."order_status__merged_20181103" AS "batch"
JOIN "order_status" AS "loaded"
  ON "loaded"."order_id" = "batch"."order_id"
  AND (
    "loaded"."status" = "batch"."status"
    OR (
      "loaded"."status" IS NULL AND "batch"."status" IS NULL
    )
  )
  AND (
    "loaded"."updated_at" = "batch"."updated_at"
    OR (
      "loaded"."updated_at" IS NULL AND "batch"."updated_at" IS NULL
    )
  );
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step check_orders (checks) after load_orders
-- check 1: not_null(order_id, customer_id, status)
-- check 2: unique(order_id)
-- check 3: accepted_values(status in 5 value(s))
SELECT
  table_name
FROM information_schema.tables
WHERE
  table_schema = 'staging' AND table_name IN ('orders__merged_20181103');
-- only when present orders__merged_20181103:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "order_id",
    "customer_id",
    "status"
  FROM "orders"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."orders__merged_20181103" AS "merged"
      WHERE
        "merged"."order_id" = "orders"."order_id"
    )
    AND (
      "order_id" IS NULL OR "customer_id" IS NULL OR "status" IS NULL
    )
) AS "failing"
UNION ALL
SELECT
  1 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "order_id",
    COUNT(*) AS "rows"
  FROM "orders"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."orders__merged_20181103" AS "merged"
      WHERE
        "merged"."order_id" = "orders"."order_id"
    )
  GROUP BY
    "order_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
UNION ALL
SELECT
  2 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "order_id",
    "status"
  FROM "orders"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."orders__merged_20181103" AS "merged"
      WHERE
        "merged"."order_id" = "orders"."order_id"
    )
    AND (
      NOT "status" IS NULL
      AND NOT "status" IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')
    )
) AS "failing";
-- only when failed 0 and present orders__merged_20181103:
SELECT
  *
FROM (
  SELECT
    "order_id",
    "customer_id",
    "status"
  FROM "orders"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."orders__merged_20181103" AS "merged"
      WHERE
        "merged"."order_id" = "orders"."order_id"
    )
    AND (
      "order_id" IS NULL OR "customer_id" IS NULL OR "status" IS NULL
    )
) AS "failing"
ORDER BY
  1,
  2,
  3
LIMIT 5;
-- only when failed 1 and present orders__merged_20181103:
SELECT
  *
FROM (
  SELECT
    "order_id",
    COUNT(*) AS "rows"
  FROM "orders"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."orders__merged_20181103" AS "merged"
      WHERE
        "merged"."order_id" = "orders"."order_id"
    )
  GROUP BY
    "order_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 2 and present orders__merged_20181103:
SELECT
  *
FROM (
  SELECT
    "order_id",
    "status"
  FROM "orders"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."orders__merged_20181103" AS "merged"
      WHERE
        "merged"."order_id" = "orders"."order_id"
    )
    AND (
      NOT "status" IS NULL
      AND NOT "status" IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- commit; then in one transaction, a lock held for the 2 statement(s) after it, until the step commits:
LOCK "ledger"."checks", "ledger"."steps";
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(table_name)s, %(check_name)s, %(severity)s, %(status)s, %(failures)s, %(sample)s, %(checked_at)s, %(run_id)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step check_order_status (checks) after load_order_status
-- check 1: unique(order_id)
SELECT
  table_name
FROM information_schema.tables
WHERE
  table_schema = 'staging' AND table_name IN ('order_status__merged_20181103');
-- only when present order_status__merged_20181103:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "order_id",
    COUNT(*) AS "rows"
  FROM "order_status"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."order_status__merged_20181103" AS "merged"
      WHERE
        "merged"."order_id" = "order_status"."order_id"
    )
  GROUP BY
    "order_id"
  HAVING
    COUNT(*) > 1
) AS "failing";
-- only when failed 0 and present order_status__merged_20181103:
SELECT
  *
FROM (
  SELECT
    "order_id",
    COUNT(*) AS "rows"
  FROM "order_status"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."order_status__merged_20181103" AS "merged"
      WHERE
        "merged"."order_id" = "order_status"."order_id"
    )
  GROUP BY
    "order_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- commit; then in one transaction, a lock held for the 2 statement(s) after it, until the step commits:
LOCK "ledger"."checks", "ledger"."steps";
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(table_name)s, %(check_name)s, %(severity)s, %(status)s, %(failures)s, %(sample)s, %(checked_at)s, %(run_id)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step finish (finish) after check_orders, check_order_status
DROP TABLE IF EXISTS "staging"."order_changes_20181103";
DROP TABLE IF EXISTS "staging"."orders__merged_20181103";
DROP TABLE IF EXISTS "staging"."order_status__merged_20181103";
-- commit; then in one transaction, a lock held for the 2 statement(s) after it, until the step commits:
LOCK "ledger"."objects", "ledger"."steps";
UPDATE "ledger"."objects" SET status = 'loaded'
WHERE
  "spec" = 'orders' AND "interval_key" = '20181103' AND "status" = 'staged';
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);
