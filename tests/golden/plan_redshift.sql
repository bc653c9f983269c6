-- plan of sparkify for [2018-11-01 00:00, 2018-11-02 00:00) on redshift

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
  "spec" = 'sparkify'
ORDER BY
  "recorded_at";
-- additive  users: add table
-- additive  songs: add table
-- additive  artists: add table
-- additive  time: add table
-- additive  accounts: add table
-- additive  songplays: add table
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
CREATE TABLE IF NOT EXISTS "users" (
  "user_id" INTEGER,
  "first_name" VARCHAR(128),
  "last_name" VARCHAR(128),
  "gender" VARCHAR(16),
  "level" VARCHAR(16),
  "updated_at" TIMESTAMP,
  "user_key" BIGINT NOT NULL,
  "valid_from" TIMESTAMP NOT NULL,
  "valid_to" TIMESTAMP,
  "is_current" BOOLEAN NOT NULL,
  "is_inferred" BOOLEAN NOT NULL,
  PRIMARY KEY ("user_key")
)
DISTSTYLE ALL
COMPOUND SORTKEY("user_id");
COMMENT ON TABLE "users" IS 'App users, a version per change of level (the level of their plays from then on).';
COMMENT ON COLUMN "users"."user_id" IS 'App user id';
COMMENT ON COLUMN "users"."first_name" IS 'First name';
COMMENT ON COLUMN "users"."last_name" IS 'Last name';
COMMENT ON COLUMN "users"."gender" IS 'Gender as given by the user';
COMMENT ON COLUMN "users"."level" IS 'Subscription level: free or paid';
COMMENT ON COLUMN "users"."updated_at" IS 'Time of the latest play of the user';
COMMENT ON COLUMN "users"."user_key" IS 'Surrogate key';
COMMENT ON COLUMN "users"."valid_from" IS 'When this version starts (latest_by)';
COMMENT ON COLUMN "users"."valid_to" IS 'When the next version starts; NULL for the current one';
COMMENT ON COLUMN "users"."is_current" IS 'The current version of its key';
COMMENT ON COLUMN "users"."is_inferred" IS 'A placeholder a fact created for a key not loaded yet; completed in place (same surrogate key) when its rows arrive';
CREATE TABLE IF NOT EXISTS "songs" (
  "song_id" VARCHAR(32) NOT NULL,
  "title" VARCHAR(512),
  "artist_id" VARCHAR(32),
  "year" INTEGER,
  "duration" DOUBLE PRECISION,
  PRIMARY KEY ("song_id")
)
DISTSTYLE ALL
COMPOUND SORTKEY("song_id");
COMMENT ON TABLE "songs" IS 'Songs in the music catalogue.';
COMMENT ON COLUMN "songs"."song_id" IS 'Catalogue song id';
COMMENT ON COLUMN "songs"."title" IS 'Song title';
COMMENT ON COLUMN "songs"."artist_id" IS 'Artist of the song';
COMMENT ON COLUMN "songs"."year" IS 'Release year; NULL when unknown';
COMMENT ON COLUMN "songs"."duration" IS 'Length in seconds';
CREATE TABLE IF NOT EXISTS "artists" (
  "artist_id" VARCHAR(32) NOT NULL,
  "name" VARCHAR(512),
  "location" VARCHAR(512),
  "latitude" DOUBLE PRECISION,
  "longitude" DOUBLE PRECISION,
  PRIMARY KEY ("artist_id")
)
DISTSTYLE ALL
COMPOUND SORTKEY("artist_id");
COMMENT ON TABLE "artists" IS 'Artists in the music catalogue.';
COMMENT ON COLUMN "artists"."artist_id" IS 'Catalogue artist id';
COMMENT ON COLUMN "artists"."name" IS 'Artist name';
COMMENT ON COLUMN "artists"."location" IS 'Free-text location; NULL when unknown';
COMMENT ON COLUMN "artists"."latitude" IS 'Latitude; NULL when unknown';
COMMENT ON COLUMN "artists"."longitude" IS 'Longitude; NULL when unknown';
CREATE TABLE IF NOT EXISTS "time" (
  "start_time" TIMESTAMP NOT NULL,
  "hour" SMALLINT NOT NULL,
  "day" SMALLINT NOT NULL,
  "week" SMALLINT NOT NULL,
  "month" SMALLINT NOT NULL,
  "year" SMALLINT NOT NULL,
  "weekday" SMALLINT NOT NULL,
  PRIMARY KEY ("start_time")
)
DISTSTYLE AUTO
COMPOUND SORTKEY("start_time");
COMMENT ON TABLE "time" IS 'Every start time of a play, broken into calendar units.';
COMMENT ON COLUMN "time"."start_time" IS 'Start of a play (UTC)';
COMMENT ON COLUMN "time"."week" IS 'ISO week';
COMMENT ON COLUMN "time"."weekday" IS '0 = Sunday';
CREATE TABLE IF NOT EXISTS "accounts" (
  "account_id" INTEGER NOT NULL,
  "user_id" INTEGER,
  "plan" VARCHAR(16) NOT NULL,
  "country" CHAR(2),
  "created_at" TIMESTAMP NOT NULL,
  "updated_at" TIMESTAMP NOT NULL,
  PRIMARY KEY ("account_id")
)
DISTSTYLE ALL
COMPOUND SORTKEY("account_id");
COMMENT ON TABLE "accounts" IS 'Subscription accounts; each run merges the accounts changed in its interval.';
COMMENT ON COLUMN "accounts"."account_id" IS 'Account id in the app';
COMMENT ON COLUMN "accounts"."user_id" IS 'The app user (users.user_id) holding the account';
COMMENT ON COLUMN "accounts"."plan" IS 'Subscription plan: basic, premium or family';
COMMENT ON COLUMN "accounts"."country" IS 'ISO country code';
COMMENT ON COLUMN "accounts"."updated_at" IS 'Last change in the app';
CREATE TABLE IF NOT EXISTS "songplays" (
  "songplay_id" CHAR(32) NOT NULL,
  "start_time" TIMESTAMP NOT NULL ENCODE az64,
  "user_id" INTEGER NOT NULL ENCODE az64,
  "user_key" BIGINT NOT NULL ENCODE az64,
  "level" VARCHAR(16) NOT NULL ENCODE bytedict,
  "song_id" VARCHAR(32) ENCODE zstd,
  "artist_id" VARCHAR(32) ENCODE zstd,
  "session_id" INTEGER NOT NULL ENCODE az64,
  "location" VARCHAR(256) ENCODE zstd,
  "user_agent" VARCHAR(512) ENCODE zstd,
  PRIMARY KEY ("songplay_id"),
  CONSTRAINT "songplays__user_key__fk" FOREIGN KEY ("user_key") REFERENCES "users" (
    "user_key"
  ),
  CONSTRAINT "songplays__song_id__fk" FOREIGN KEY ("song_id") REFERENCES "songs" (
    "song_id"
  ),
  CONSTRAINT "songplays__artist_id__fk" FOREIGN KEY ("artist_id") REFERENCES "artists" (
    "artist_id"
  )
)
DISTSTYLE KEY
DISTKEY("user_id")
COMPOUND SORTKEY("start_time");
COMMENT ON TABLE "songplays" IS 'One row per song played (a NextSong event).';
COMMENT ON COLUMN "songplays"."songplay_id" IS 'MD5 of session, item in session and user';
COMMENT ON COLUMN "songplays"."user_key" IS 'The users version valid at start_time';
COMMENT ON COLUMN "songplays"."song_id" IS 'NULL when the song is not in the catalogue';
COMMENT ON COLUMN "songplays"."artist_id" IS 'NULL when the song is not in the catalogue';
CREATE TABLE IF NOT EXISTS "users__runs" (
  "user_id" INTEGER,
  "first_name" VARCHAR(128),
  "last_name" VARCHAR(128),
  "gender" VARCHAR(16),
  "level" VARCHAR(16),
  "updated_at" TIMESTAMP,
  "valid_from" TIMESTAMP NOT NULL,
  "interval_start" TIMESTAMP NOT NULL
);
-- with the definitions values bound by the runner:
INSERT INTO "ledger"."definitions" ("spec", "table_name", "fingerprint", "definition", "recorded_at") VALUES (%(spec)s, %(table_name)s, %(fingerprint)s, %(definition)s, %(recorded_at)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step stage_events (stage) after setup
-- 1 object(s)
--   s3://sparkify-raw/log_data/2018/11/2018-11-01-events.json
-- COPY signs with the cluster's default IAM role (secrets masked)
DROP TABLE IF EXISTS "staging"."events_20181101";
CREATE TABLE "staging"."events_20181101" (
  "artist" VARCHAR(512),
  "auth" VARCHAR(32),
  "firstname" VARCHAR(128),
  "gender" VARCHAR(16),
  "iteminsession" INTEGER,
  "lastname" VARCHAR(128),
  "length" DOUBLE PRECISION,
  "level" VARCHAR(16),
  "location" VARCHAR(256),
  "method" VARCHAR(8),
  "page" VARCHAR(32),
  "registration" DOUBLE PRECISION,
  "sessionid" INTEGER,
  "song" VARCHAR(512),
  "status" INTEGER,
  "ts" TIMESTAMP,
  "useragent" VARCHAR(512),
  "userid" INTEGER
)
BACKUP NO;
-- write s3://sparkify-staging/runs/sparkify/manifests/events/20181101.manifest:
--   {
--    "entries": [
--     {
--      "url": "s3://sparkify-raw/log_data/2018/11/2018-11-01-events.json",
--      "mandatory": true
--     }
--    ]
--   }
COPY "staging"."events_20181101" (
  "artist",
  "auth",
  "firstname",
  "gender",
  "iteminsession",
  "lastname",
  "length",
  "level",
  "location",
  "method",
  "page",
  "registration",
  "sessionid",
  "song",
  "status",
  "ts",
  "useragent",
  "userid"
)
FROM 's3://sparkify-staging/runs/sparkify/manifests/events/20181101.manifest'
IAM_ROLE default
FORMAT AS JSON 'auto ignorecase'
TIMEFORMAT 'epochmillisecs'
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
DELETE FROM "staging"."events_20181101"
WHERE
  NOT (
    "ts" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
    AND "ts" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  );
-- commit; then in one transaction, a lock held for the 3 statement(s) after it, until the step commits:
LOCK "ledger"."rejects", "ledger"."steps";
DELETE FROM "ledger"."rejects"
WHERE
  "spec" = 'sparkify'
  AND "source" = 'events'
  AND "interval_start" = CAST('2018-11-01 00:00:00' AS TIMESTAMP);
-- with the rejects values bound by the runner:
INSERT INTO "ledger"."rejects" ("spec", "interval_start", "interval_end", "source", "url", "line", "reason", "raw", "recorded_at", "run_id") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(source)s, %(url)s, %(line)s, %(reason)s, %(raw)s, %(recorded_at)s, %(run_id)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step stage_songs (stage) after setup
SELECT
  "url",
  "version"
FROM "ledger"."objects"
WHERE
  "spec" = 'sparkify'
  AND "source" = 'songs'
  AND "status" = 'loaded'
  AND "table_name" IN ('songs', 'artists')
GROUP BY
  "url",
  "version"
HAVING
  COUNT(DISTINCT "table_name") = 2;
-- 1 object(s)
--   s3://sparkify-raw/song_data/A/A/A/TRAAAAW128F429D538.json
-- COPY signs with the cluster's default IAM role (secrets masked)
DROP TABLE IF EXISTS "staging"."songs_20181101";
CREATE TABLE "staging"."songs_20181101" (
  "num_songs" INTEGER,
  "artist_id" VARCHAR(32),
  "artist_latitude" DOUBLE PRECISION,
  "artist_longitude" DOUBLE PRECISION,
  "artist_location" VARCHAR(512),
  "artist_name" VARCHAR(512),
  "song_id" VARCHAR(32),
  "title" VARCHAR(512),
  "duration" DOUBLE PRECISION,
  "year" INTEGER
)
BACKUP NO;
-- write s3://sparkify-staging/runs/sparkify/manifests/songs/20181101.manifest:
--   {
--    "entries": [
--     {
--      "url": "s3://sparkify-raw/song_data/A/A/A/TRAAAAW128F429D538.json",
--      "mandatory": true
--     }
--    ]
--   }
COPY "staging"."songs_20181101" (
  "num_songs",
  "artist_id",
  "artist_latitude",
  "artist_longitude",
  "artist_location",
  "artist_name",
  "song_id",
  "title",
  "duration",
  "year"
)
FROM 's3://sparkify-staging/runs/sparkify/manifests/songs/20181101.manifest'
IAM_ROLE default
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
-- commit; then in one transaction, a lock held for the 5 statement(s) after it, until the step commits:
LOCK "ledger"."objects", "ledger"."rejects", "ledger"."steps";
DELETE FROM "ledger"."rejects"
WHERE
  "spec" = 'sparkify'
  AND "source" = 'songs'
  AND "interval_start" = CAST('2018-11-01 00:00:00' AS TIMESTAMP);
-- with the rejects values bound by the runner:
INSERT INTO "ledger"."rejects" ("spec", "interval_start", "interval_end", "source", "url", "line", "reason", "raw", "recorded_at", "run_id") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(source)s, %(url)s, %(line)s, %(reason)s, %(raw)s, %(recorded_at)s, %(run_id)s);
DELETE FROM "ledger"."objects"
WHERE
  "spec" = 'sparkify'
  AND "source" = 'songs'
  AND "interval_key" = '20181101'
  AND "status" = 'staged';
-- with the objects values bound by the runner:
INSERT INTO "ledger"."objects" ("spec", "source", "table_name", "url", "version", "interval_key", "status", "recorded_at") VALUES (%(spec)s, %(source)s, %(table_name)s, %(url)s, %(version)s, %(interval_key)s, %(status)s, %(recorded_at)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step load_users (dimensions) after stage_events
DROP TABLE IF EXISTS "users__batch_runs";
DROP TABLE IF EXISTS "users__touched";
CREATE TEMPORARY TABLE "users__batch_runs" AS
SELECT
  "user_id",
  "first_name",
  "last_name",
  "gender",
  "level",
  "updated_at",
  "valid_from",
  CAST('2018-11-01 00:00:00' AS TIMESTAMP) AS "interval_start"
FROM (
  SELECT
    "user_id",
    "first_name",
    "last_name",
    "gender",
    "level",
    "updated_at",
    "_ends",
    MAX(CASE WHEN "_starts" = 1 THEN "updated_at" END) OVER (
      PARTITION BY "user_id"
      ORDER BY "updated_at" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "valid_from"
  FROM (
    SELECT
      "user_id",
      "first_name",
      "last_name",
      "gender",
      "level",
      "updated_at",
      CASE
        WHEN LAG("updated_at") OVER (PARTITION BY "user_id" ORDER BY "updated_at" ASC) IS NULL
        THEN 1
        WHEN "level" = LAG("level") OVER (PARTITION BY "user_id" ORDER BY "updated_at" ASC)
        OR (
          "level" IS NULL
          AND LAG("level") OVER (PARTITION BY "user_id" ORDER BY "updated_at" ASC) IS NULL
        )
        THEN 0
        ELSE 1
      END AS "_starts",
      CASE
        WHEN LEAD("updated_at") OVER (PARTITION BY "user_id" ORDER BY "updated_at" ASC) IS NULL
        THEN 1
        WHEN "level" = LEAD("level") OVER (PARTITION BY "user_id" ORDER BY "updated_at" ASC)
        OR (
          "level" IS NULL
          AND LEAD("level") OVER (PARTITION BY "user_id" ORDER BY "updated_at" ASC) IS NULL
        )
        THEN 0
        ELSE 1
      END AS "_ends"
    FROM (
      SELECT
        "user_id",
        "first_name",
        "last_name",
        "gender",
        "level",
        "updated_at"
      FROM (
        SELECT
          "ranked"."user_id",
          "ranked"."first_name",
          "ranked"."last_name",
          "ranked"."gender",
          "ranked"."level",
          "ranked"."updated_at"
        FROM (
          SELECT
            "user_id",
            "first_name",
            "last_name",
            "gender",
            "level",
            "updated_at",
            ROW_NUMBER() OVER (
              PARTITION BY "user_id", "updated_at"
              ORDER BY "updated_at" DESC NULLS LAST, "user_id" ASC, "first_name" ASC, "last_name" ASC, "gender" ASC, "level" ASC, "updated_at" ASC
            ) AS "_row"
          FROM (
            SELECT
              "e"."userid" AS "user_id",
              "e"."firstname" AS "first_name",
              "e"."lastname" AS "last_name",
              "e"."gender",
              "e"."level",
              "e"."ts" AS "updated_at"
            FROM "staging"."events_20181101" AS "e"
            WHERE
              "e"."page" = 'NextSong' AND NOT "e"."userid" IS NULL
          ) AS "source"
        ) AS "ranked"
        WHERE
          "ranked"."_row" = 1
      ) AS "rows"
      WHERE
        NOT "updated_at" IS NULL
    ) AS "timed"
  ) AS "flagged"
) AS "ends"
WHERE
  "_ends" = 1;
CREATE TEMPORARY TABLE "users__touched" AS
SELECT
  "user_id",
  MIN("valid_from") AS "changed_from"
FROM (
  SELECT
    "user_id",
    "valid_from"
  FROM "users__runs"
  WHERE
    "interval_start" = CAST('2018-11-01 00:00:00' AS TIMESTAMP)
  UNION ALL
  SELECT
    "user_id",
    "valid_from"
  FROM "users__batch_runs"
) AS "runs_of"
GROUP BY
  "user_id";
DROP TABLE IF EXISTS "staging"."users__keys_20181101";
CREATE TABLE "staging"."users__keys_20181101" (
  "user_id" INTEGER
)
BACKUP NO;
INSERT INTO "staging"."users__keys_20181101" (
  "user_id"
)
SELECT
  "user_id"
FROM "users__touched";
-- commit; then in one transaction, a lock held for the 11 statement(s) after it, until the step commits:
LOCK "ledger"."steps", "songplays", "users", "users__runs";
DELETE FROM "users__runs"
WHERE
  "interval_start" = CAST('2018-11-01 00:00:00' AS TIMESTAMP);
INSERT INTO "users__runs" (
  "user_id",
  "first_name",
  "last_name",
  "gender",
  "level",
  "updated_at",
  "valid_from",
  "interval_start"
)
SELECT
  "user_id",
  "first_name",
  "last_name",
  "gender",
  "level",
  "updated_at",
  "valid_from",
  "interval_start"
FROM "users__batch_runs";
CREATE TEMPORARY TABLE "users__versions" AS
SELECT
  "spans"."user_id",
  "spans"."level",
  "newest"."first_name",
  "newest"."last_name",
  "newest"."gender",
  "newest"."updated_at",
  "spans"."user_key",
  "spans"."valid_from",
  "spans"."valid_to",
  "spans"."is_current",
  FALSE AS "is_inferred"
FROM (
  SELECT
    "user_id",
    "level",
    "valid_from",
    CASE
      WHEN ROW_NUMBER() OVER (PARTITION BY "user_id" ORDER BY "valid_from" ASC) = 1
      THEN STRTOL(SUBSTRING(MD5(CAST("user_id" AS VARCHAR)) FROM 1 FOR 15), 16)
      ELSE STRTOL(
        SUBSTRING(MD5(
          CAST("user_id" AS VARCHAR) || '|' || TO_CHAR("valid_from", 'YYYY-MM-DD HH24:MI:SS.US')
        ) FROM 1 FOR 15),
        16
      )
    END AS "user_key",
    LEAD("valid_from") OVER (PARTITION BY "user_id" ORDER BY "valid_from" ASC) AS "valid_to",
    CASE
      WHEN LEAD("valid_from") OVER (PARTITION BY "user_id" ORDER BY "valid_from" ASC) IS NULL
      THEN TRUE
      ELSE FALSE
    END AS "is_current"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "user_id",
        "level",
        "valid_from",
        CASE
          WHEN LAG("updated_at") OVER (PARTITION BY "user_id" ORDER BY "valid_from" ASC, "updated_at" ASC, "level" ASC) IS NULL
          THEN 1
          WHEN "level" = LAG("level") OVER (PARTITION BY "user_id" ORDER BY "valid_from" ASC, "updated_at" ASC, "level" ASC)
          OR (
            "level" IS NULL
            AND LAG("level") OVER (PARTITION BY "user_id" ORDER BY "valid_from" ASC, "updated_at" ASC, "level" ASC) IS NULL
          )
          THEN 0
          ELSE 1
        END AS "_starts"
      FROM (
        SELECT
          "runs"."user_id",
          "runs"."first_name",
          "runs"."last_name",
          "runs"."gender",
          "runs"."level",
          "runs"."updated_at",
          "runs"."valid_from"
        FROM "users__runs" AS "runs"
        JOIN "users__touched" AS "touched"
          ON "runs"."user_id" = "touched"."user_id"
      ) AS "mine"
    ) AS "_starts_of"
    WHERE
      "_starts" = 1
  ) AS "starts"
) AS "spans"
JOIN (
  SELECT
    *
  FROM (
    SELECT
      "user_id",
      "first_name",
      "last_name",
      "gender",
      "updated_at",
      ROW_NUMBER() OVER (
        PARTITION BY "user_id"
        ORDER BY "updated_at" DESC NULLS LAST, "valid_from" DESC NULLS LAST
      ) AS "_newest"
    FROM (
      SELECT
        "runs"."user_id",
        "runs"."first_name",
        "runs"."last_name",
        "runs"."gender",
        "runs"."level",
        "runs"."updated_at",
        "runs"."valid_from"
      FROM "users__runs" AS "runs"
      JOIN "users__touched" AS "touched"
        ON "runs"."user_id" = "touched"."user_id"
    ) AS "mine"
  ) AS "_newest_of"
  WHERE
    "_newest" = 1
) AS "newest"
  ON "spans"."user_id" = "newest"."user_id";
DELETE FROM "users" USING   "users__touched"
WHERE
  "users"."user_id" = "users__touched"."user_id";
INSERT INTO "users" (
  "user_id",
  "first_name",
  "last_name",
  "gender",
  "level",
  "updated_at",
  "user_key",
  "valid_from",
  "valid_to",
  "is_current",
  "is_inferred"
)
SELECT
  "user_id",
  "first_name",
  "last_name",
  "gender",
  "level",
  "updated_at",
  "user_key",
  "valid_from",
  "valid_to",
  "is_current",
  "is_inferred"
FROM "users__versions";
INSERT INTO "users" (
  "user_key",
  "valid_from",
  "is_current",
  "is_inferred"
)
SELECT
  0 AS "user_key",
  CAST('1900-01-01 00:00:00' AS TIMESTAMP) AS "valid_from",
  TRUE AS "is_current",
  FALSE AS "is_inferred"
FROM (
  SELECT
    COUNT(*) AS "n"
  FROM "users"
  WHERE
    "user_key" = 0
) AS "known"
WHERE
  "known"."n" = 0;
UPDATE "songplays" SET "user_key" = "ranges"."user_key"
FROM (
  SELECT
    "user_id",
    "user_key",
    CASE
      WHEN "valid_from" = MIN("valid_from") OVER (PARTITION BY "user_id")
      THEN NULL
      ELSE "valid_from"
    END AS "since",
    "valid_to"
  FROM "users__versions"
  WHERE
    NOT "user_id" IS NULL
) AS "ranges"
WHERE
  "songplays"."start_time" >= (
    SELECT
      MIN("changed_from")
    FROM "users__touched"
  )
  AND (
    "ranges"."user_id" = "songplays"."user_id"
    AND (
      "songplays"."start_time" >= COALESCE("ranges"."since", CAST('0001-01-01 00:00:00' AS TIMESTAMP))
      AND "songplays"."start_time" < COALESCE("ranges"."valid_to", CAST('9999-12-31 23:59:59' AS TIMESTAMP))
    )
    AND "songplays"."user_key" <> "ranges"."user_key"
  );
DROP TABLE IF EXISTS "users__batch_runs";
DROP TABLE IF EXISTS "users__touched";
DROP TABLE IF EXISTS "users__versions";
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step load_songs (dimensions) after stage_songs
CREATE TEMPORARY TABLE "songs__batch" (
  LIKE "songs"
);
INSERT INTO "songs__batch" (
  "song_id",
  "title",
  "artist_id",
  "year",
  "duration"
)
SELECT
  "ranked"."song_id",
  "ranked"."title",
  "ranked"."artist_id",
  "ranked"."year",
  "ranked"."duration"
FROM (
  SELECT
    "song_id",
    "title",
    "artist_id",
    "year",
    "duration",
    ROW_NUMBER() OVER (
      PARTITION BY "song_id"
      ORDER BY "song_id" ASC, "title" ASC, "artist_id" ASC, "year" ASC, "duration" ASC
    ) AS "_row"
  FROM (
    SELECT
      "s"."song_id",
      "s"."title",
      "s"."artist_id",
      NULLIF("s"."year", 0) AS "year",
      "s"."duration"
    FROM "staging"."songs_20181101" AS "s"
    WHERE
      NOT "s"."song_id" IS NULL
  ) AS "source"
) AS "ranked"
WHERE
  "ranked"."_row" = 1;
DROP TABLE IF EXISTS "staging"."songs__keys_20181101";
CREATE TABLE "staging"."songs__keys_20181101" (
  "song_id" VARCHAR(32) NOT NULL
)
BACKUP NO;
INSERT INTO "staging"."songs__keys_20181101" (
  "song_id"
)
SELECT
  "song_id"
FROM "songs__batch";
-- commit; then in one transaction, a lock held for the 5 statement(s) after it, until the step commits:
LOCK "ledger"."steps", "songs";
SELECT
  COUNT(*) - COUNT("loaded"."song_id") AS "inserted",
  COUNT("loaded"."song_id") AS "updated"
FROM "songs__batch" AS "batch"
LEFT JOIN "songs" AS "loaded"
  ON "batch"."song_id" = "loaded"."song_id";
MERGE INTO "songs"
USING "songs__batch" AS "batch"
ON "songs"."song_id" = "batch"."song_id"
WHEN MATCHED THEN UPDATE SET
  "title" = "batch"."title",
  "artist_id" = "batch"."artist_id",
  "year" = "batch"."year",
  "duration" = "batch"."duration"
WHEN NOT MATCHED THEN INSERT ("song_id", "title", "artist_id", "year", "duration") VALUES (
  "batch"."song_id",
  "batch"."title",
  "batch"."artist_id",
  "batch"."year",
  "batch"."duration"
);
SELECT
  COUNT(*) AS "merged"
FROM "songs__batch" AS "batch"
JOIN "songs" AS "loaded"
  ON "loaded"."song_id" = "batch"."song_id"
  AND (
    "loaded"."title" = "batch"."title"
    OR (
      "loaded"."title" IS NULL AND "batch"."title" IS NULL
    )
  )
  AND (
    "loaded"."artist_id" = "batch"."artist_id"
    OR (
      "loaded"."artist_id" IS NULL AND "batch"."artist_id" IS NULL
    )
  )
  AND (
    "loaded"."year" = "batch"."year"
    OR (
      "loaded"."year" IS NULL AND "batch"."year" IS NULL
    )
  )
  AND (
    "loaded"."duration" = "batch"."duration"
    OR (
      "loaded"."duration" IS NULL AND "batch"."duration" IS NULL
    )
  );
DROP TABLE IF EXISTS "songs__batch";
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step load_artists (dimensions) after stage_songs
CREATE TEMPORARY TABLE "artists__batch" (
  LIKE "artists"
);
INSERT INTO "artists__batch" (
  "artist_id",
  "name",
  "location",
  "latitude",
  "longitude"
)
SELECT
  "ranked"."artist_id",
  "ranked"."name",
  "ranked"."location",
  "ranked"."latitude",
  "ranked"."longitude"
FROM (
  SELECT
    "artist_id",
    "name",
    "location",
    "latitude",
    "longitude",
    ROW_NUMBER() OVER (
      PARTITION BY "artist_id"
      ORDER BY "artist_id" ASC, "name" ASC, "location" ASC, "latitude" ASC, "longitude" ASC
    ) AS "_row"
  FROM (
    SELECT
      "s"."artist_id",
      "s"."artist_name" AS "name",
      NULLIF("s"."artist_location", '') AS "location",
      "s"."artist_latitude" AS "latitude",
      "s"."artist_longitude" AS "longitude"
    FROM "staging"."songs_20181101" AS "s"
    WHERE
      NOT "s"."artist_id" IS NULL
  ) AS "source"
) AS "ranked"
WHERE
  "ranked"."_row" = 1;
DROP TABLE IF EXISTS "staging"."artists__keys_20181101";
CREATE TABLE "staging"."artists__keys_20181101" (
  "artist_id" VARCHAR(32) NOT NULL
)
BACKUP NO;
INSERT INTO "staging"."artists__keys_20181101" (
  "artist_id"
)
SELECT
  "artist_id"
FROM "artists__batch";
-- commit; then in one transaction, a lock held for the 5 statement(s) after it, until the step commits:
LOCK "ledger"."steps", "artists";
SELECT
  COUNT(*) - COUNT("loaded"."artist_id") AS "inserted",
  COUNT("loaded"."artist_id") AS "updated"
FROM "artists__batch" AS "batch"
LEFT JOIN "artists" AS "loaded"
  ON "batch"."artist_id" = "loaded"."artist_id";
MERGE INTO "artists"
USING "artists__batch" AS "batch"
ON "artists"."artist_id" = "batch"."artist_id"
WHEN MATCHED THEN UPDATE SET
  "name" = "batch"."name",
  "location" = "batch"."location",
  "latitude" = "batch"."latitude",
  "longitude" = "batch"."longitude"
WHEN NOT MATCHED THEN INSERT ("artist_id", "name", "location", "latitude", "longitude") VALUES (
  "batch"."artist_id",
  "batch"."name",
  "batch"."location",
  "batch"."latitude",
  "batch"."longitude"
);
SELECT
  COUNT(*) AS "merged"
FROM "artists__batch" AS "batch"
JOIN "artists" AS "loaded"
  ON "loaded"."artist_id" = "batch"."artist_id"
  AND (
    "loaded"."name" = "batch"."name"
    OR (
      "loaded"."name" IS NULL AND "batch"."name" IS NULL
    )
  )
  AND (
    "loaded"."location" = "batch"."location"
    OR (
      "loaded"."location" IS NULL AND "batch"."location" IS NULL
    )
  )
  AND (
    "loaded"."latitude" = "batch"."latitude"
    OR (
      "loaded"."latitude" IS NULL AND "batch"."latitude" IS NULL
    )
  )
  AND (
    "loaded"."longitude" = "batch"."longitude"
    OR (
      "loaded"."longitude" IS NULL AND "batch"."longitude" IS NULL
    )
  );
DROP TABLE IF EXISTS "artists__batch";
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step load_time (dimensions) after stage_events
CREATE TEMPORARY TABLE "time__batch" (
  LIKE "time"
);
INSERT INTO "time__batch" (
  "start_time",
  "hour",
  "day",
  "week",
  "month",
  "year",
  "weekday"
)
SELECT
  "ranked"."start_time",
  "ranked"."hour",
  "ranked"."day",
  "ranked"."week",
  "ranked"."month",
  "ranked"."year",
  "ranked"."weekday"
FROM (
  SELECT
    "start_time",
    "hour",
    "day",
    "week",
    "month",
    "year",
    "weekday",
    ROW_NUMBER() OVER (
      PARTITION BY "start_time"
      ORDER BY "start_time" ASC, "hour" ASC, "day" ASC, "week" ASC, "month" ASC, "year" ASC, "weekday" ASC
    ) AS "_row"
  FROM (
    SELECT DISTINCT
      "e"."ts" AS "start_time",
      EXTRACT(HOUR FROM "e"."ts") AS "hour",
      EXTRACT(DAY FROM "e"."ts") AS "day",
      EXTRACT(WEEK FROM "e"."ts") AS "week",
      EXTRACT(MONTH FROM "e"."ts") AS "month",
      EXTRACT(YEAR FROM "e"."ts") AS "year",
      EXTRACT(DOW FROM "e"."ts") AS "weekday"
    FROM "staging"."events_20181101" AS "e"
    WHERE
      "e"."page" = 'NextSong'
  ) AS "source"
) AS "ranked"
WHERE
  "ranked"."_row" = 1;
DROP TABLE IF EXISTS "staging"."time__keys_20181101";
CREATE TABLE "staging"."time__keys_20181101" (
  "start_time" TIMESTAMP NOT NULL
)
BACKUP NO;
INSERT INTO "staging"."time__keys_20181101" (
  "start_time"
)
SELECT
  "start_time"
FROM "time__batch";
-- commit; then in one transaction, a lock held for the 5 statement(s) after it, until the step commits:
LOCK "ledger"."steps", "time";
SELECT
  COUNT(*) - COUNT("loaded"."start_time") AS "inserted",
  COUNT("loaded"."start_time") AS "updated"
FROM "time__batch" AS "batch"
LEFT JOIN "time" AS "loaded"
  ON "batch"."start_time" = "loaded"."start_time";
MERGE INTO "time"
USING "time__batch" AS "batch"
ON "time"."start_time" = "batch"."start_time"
WHEN MATCHED THEN UPDATE SET
  "hour" = "batch"."hour",
  "day" = "batch"."day",
  "week" = "batch"."week",
  "month" = "batch"."month",
  "year" = "batch"."year",
  "weekday" = "batch"."weekday"
WHEN NOT MATCHED THEN INSERT ("start_time", "hour", "day", "week", "month", "year", "weekday") VALUES (
  "batch"."start_time",
  "batch"."hour",
  "batch"."day",
  "batch"."week",
  "batch"."month",
  "batch"."year",
  "batch"."weekday"
);
SELECT
  COUNT(*) AS "merged"
FROM "time__batch" AS "batch"
JOIN "time" AS "loaded"
  ON "loaded"."start_time" = "batch"."start_time"
  AND (
    "loaded"."hour" = "batch"."hour"
    OR (
      "loaded"."hour" IS NULL AND "batch"."hour" IS NULL
    )
  )
  AND (
    "loaded"."day" = "batch"."day"
    OR (
      "loaded"."day" IS NULL AND "batch"."day" IS NULL
    )
  )
  AND (
    "loaded"."week" = "batch"."week"
    OR (
      "loaded"."week" IS NULL AND "batch"."week" IS NULL
    )
  )
  AND (
    "loaded"."month" = "batch"."month"
    OR (
      "loaded"."month" IS NULL AND "batch"."month" IS NULL
    )
  )
  AND (
    "loaded"."year" = "batch"."year"
    OR (
      "loaded"."year" IS NULL AND "batch"."year" IS NULL
    )
  )
  AND (
    "loaded"."weekday" = "batch"."weekday"
    OR (
      "loaded"."weekday" IS NULL AND "batch"."weekday" IS NULL
    )
  );
DROP TABLE IF EXISTS "time__batch";
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step load_songplays (facts) after stage_events, load_songs, load_artists
CREATE TEMPORARY TABLE "songplays__rows" (
  LIKE "songplays"
);
INSERT INTO "songplays__rows" (
  "songplay_id",
  "start_time",
  "user_id",
  "user_key",
  "level",
  "song_id",
  "artist_id",
  "session_id",
  "location",
  "user_agent"
)
SELECT
  "songplay_id",
  "start_time",
  "user_id",
  "user_key",
  "level",
  "song_id",
  "artist_id",
  "session_id",
  "location",
  "user_agent"
FROM (
  SELECT
    "songplay_id",
    "start_time",
    "user_id",
    "user_key",
    "level",
    "song_id",
    "artist_id",
    "session_id",
    "location",
    "user_agent"
  FROM (
    SELECT
      "source"."songplay_id",
      "source"."start_time",
      "source"."user_id",
      "source"."level",
      "source"."song_id",
      "source"."artist_id",
      "source"."session_id",
      "source"."location",
      "source"."user_agent",
      CASE
        WHEN "source"."user_id" IS NULL
        THEN 0
        ELSE COALESCE(
          "lookup0"."user_key",
          STRTOL(SUBSTRING(MD5(CAST("source"."user_id" AS VARCHAR)) FROM 1 FOR 15), 16)
        )
      END AS "user_key"
    FROM (
      SELECT
        MD5(
          CAST("e"."sessionid" AS VARCHAR) || '-' || CAST("e"."iteminsession" AS VARCHAR) || '-' || CAST("e"."userid" AS VARCHAR)
        ) AS "songplay_id",
        "e"."ts" AS "start_time",
        "e"."userid" AS "user_id",
        "e"."level",
        "catalogue"."song_id",
        "catalogue"."artist_id",
        "e"."sessionid" AS "session_id",
        "e"."location",
        "e"."useragent" AS "user_agent"
      FROM "staging"."events_20181101" AS "e"
      LEFT JOIN (
        SELECT
          "s"."song_id",
          "s"."artist_id",
          "s"."title",
          "s"."duration",
          "a"."name"
        FROM "songs" AS "s"
        JOIN "artists" AS "a"
          ON "a"."artist_id" = "s"."artist_id"
      ) AS "catalogue"
        ON "catalogue"."title" = "e"."song"
        AND "catalogue"."name" = "e"."artist"
        AND "catalogue"."duration" = "e"."length"
      WHERE
        "e"."page" = 'NextSong'
    ) AS "source"
    LEFT JOIN (
      SELECT
        "user_id",
        "user_key",
        "since",
        "valid_to"
      FROM (
        SELECT
          "user_id",
          "user_key",
          CASE
            WHEN "valid_from" = MIN("valid_from") OVER (PARTITION BY "user_id")
            THEN NULL
            ELSE "valid_from"
          END AS "since",
          "valid_to"
        FROM "users"
        WHERE
          NOT "user_id" IS NULL
      ) AS "versions"
      WHERE
        COALESCE("since", CAST('0001-01-01 00:00:00' AS TIMESTAMP)) < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
        AND COALESCE("valid_to", CAST('9999-12-31 23:59:59' AS TIMESTAMP)) > CAST('2018-11-01 00:00:00' AS TIMESTAMP)
    ) AS "lookup0"
      ON "lookup0"."user_id" = "source"."user_id"
      AND (
        "source"."start_time" >= COALESCE("lookup0"."since", CAST('0001-01-01 00:00:00' AS TIMESTAMP))
        AND "source"."start_time" < COALESCE("lookup0"."valid_to", CAST('9999-12-31 23:59:59' AS TIMESTAMP))
      )
  ) AS "looked_up"
) AS "source";
SELECT
  COUNT(*) AS "selected",
  COUNT(
    CASE
      WHEN "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      THEN 1
    END
  ) AS "in_interval"
FROM "songplays__rows";
CREATE TEMPORARY TABLE "songplays__repeated" AS
SELECT
  "songplay_id"
FROM "songplays__rows"
WHERE
  "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
  AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
GROUP BY
  "songplay_id"
HAVING
  COUNT(*) > 1;
CREATE TEMPORARY TABLE "songplays__batch" (
  LIKE "songplays"
);
INSERT INTO "songplays__batch" (
  "songplay_id",
  "start_time",
  "user_id",
  "user_key",
  "level",
  "song_id",
  "artist_id",
  "session_id",
  "location",
  "user_agent"
)
SELECT
  "rows"."songplay_id",
  "rows"."start_time",
  "rows"."user_id",
  "rows"."user_key",
  "rows"."level",
  "rows"."song_id",
  "rows"."artist_id",
  "rows"."session_id",
  "rows"."location",
  "rows"."user_agent"
FROM "songplays__rows" AS "rows"
LEFT JOIN "songplays__repeated" AS "repeated"
  ON "rows"."songplay_id" = "repeated"."songplay_id"
WHERE
  (
    "rows"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
    AND "rows"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  )
  AND "repeated"."songplay_id" IS NULL
UNION ALL
SELECT
  "ranked"."songplay_id",
  "ranked"."start_time",
  "ranked"."user_id",
  "ranked"."user_key",
  "ranked"."level",
  "ranked"."song_id",
  "ranked"."artist_id",
  "ranked"."session_id",
  "ranked"."location",
  "ranked"."user_agent"
FROM (
  SELECT
    "songplay_id",
    "start_time",
    "user_id",
    "user_key",
    "level",
    "song_id",
    "artist_id",
    "session_id",
    "location",
    "user_agent",
    ROW_NUMBER() OVER (
      PARTITION BY "songplay_id"
      ORDER BY "songplay_id" ASC, "start_time" ASC, "user_id" ASC, "user_key" ASC, "level" ASC, "song_id" ASC, "artist_id" ASC, "session_id" ASC, "location" ASC, "user_agent" ASC
    ) AS "_row"
  FROM (
    SELECT
      "rows"."songplay_id",
      "rows"."start_time",
      "rows"."user_id",
      "rows"."user_key",
      "rows"."level",
      "rows"."song_id",
      "rows"."artist_id",
      "rows"."session_id",
      "rows"."location",
      "rows"."user_agent"
    FROM "songplays__rows" AS "rows"
    INNER JOIN "songplays__repeated" AS "repeated"
      ON "rows"."songplay_id" = "repeated"."songplay_id"
    WHERE
      "rows"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "rows"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  ) AS "source"
) AS "ranked"
WHERE
  "ranked"."_row" = 1;
DROP TABLE IF EXISTS "songplays__rows";
DROP TABLE IF EXISTS "songplays__repeated";
-- commit; then in one transaction, a lock held for the 5 statement(s) after it, until the step commits:
LOCK "ledger"."steps", "songplays", "users";
INSERT INTO "users" (
  "user_id",
  "user_key",
  "valid_from",
  "is_current",
  "is_inferred"
)
SELECT DISTINCT
  "batch"."user_id" AS "user_id",
  "batch"."user_key" AS "user_key",
  CAST('1900-01-01 00:00:00' AS TIMESTAMP) AS "valid_from",
  TRUE AS "is_current",
  TRUE AS "is_inferred"
FROM "songplays__batch" AS "batch"
LEFT JOIN "users" AS "known"
  ON "known"."user_id" = "batch"."user_id"
WHERE
  "known"."user_id" IS NULL AND "batch"."user_key" <> 0;
DELETE FROM "songplays"
WHERE
  "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
  AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP);
INSERT INTO "songplays" (
  "songplay_id",
  "start_time",
  "user_id",
  "user_key",
  "level",
  "song_id",
  "artist_id",
  "session_id",
  "location",
  "user_agent"
)
SELECT
  "songplay_id",
  "start_time",
  "user_id",
  "user_key",
  "level",
  "song_id",
  "artist_id",
  "session_id",
  "location",
  "user_agent"
FROM "songplays__batch";
DROP TABLE IF EXISTS "songplays__batch";
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step check_users (checks) after load_users
-- check 1: not_null(user_id, level)
-- check 2: unique(user_id, valid_from)
-- check 3: accepted_values(level in 2 value(s))
-- check 4: history(valid_from, valid_to, is_current)
SELECT
  table_name
FROM information_schema.tables
WHERE
  table_schema = 'staging' AND table_name IN ('users__keys_20181101');
-- only when present users__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "user_id",
    "level"
  FROM "users"
  WHERE
    (
      (
        NOT "user_id" IS NULL AND NOT "is_inferred"
      )
      AND EXISTS(
        SELECT
          1
        FROM "staging"."users__keys_20181101" AS "touched_keys"
        WHERE
          "touched_keys"."user_id" = "users"."user_id"
      )
    )
    AND (
      "user_id" IS NULL OR "level" IS NULL
    )
) AS "failing"
UNION ALL
SELECT
  1 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "user_id",
    "valid_from",
    COUNT(*) AS "rows"
  FROM "users"
  WHERE
    (
      NOT "user_id" IS NULL AND NOT "is_inferred"
    )
    AND EXISTS(
      SELECT
        1
      FROM "staging"."users__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."user_id" = "users"."user_id"
    )
  GROUP BY
    "user_id",
    "valid_from"
  HAVING
    COUNT(*) > 1
) AS "failing"
UNION ALL
SELECT
  2 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "user_id",
    "level"
  FROM "users"
  WHERE
    (
      (
        NOT "user_id" IS NULL AND NOT "is_inferred"
      )
      AND EXISTS(
        SELECT
          1
        FROM "staging"."users__keys_20181101" AS "touched_keys"
        WHERE
          "touched_keys"."user_id" = "users"."user_id"
      )
    )
    AND (
      NOT "level" IS NULL AND NOT "level" IN ('free', 'paid')
    )
) AS "failing"
UNION ALL
SELECT
  3 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "user_id",
    "user_key",
    "valid_from",
    "valid_to",
    "is_current",
    "next_valid_from",
    "current_versions"
  FROM (
    SELECT
      "user_id",
      "user_key",
      "valid_from",
      "valid_to",
      "is_current",
      LEAD("valid_from") OVER (PARTITION BY "user_id" ORDER BY "valid_from") AS "next_valid_from",
      SUM(CASE WHEN "is_current" THEN 1 ELSE 0 END) OVER (PARTITION BY "user_id") AS "current_versions"
    FROM "users"
    WHERE
      NOT "user_id" IS NULL
      AND EXISTS(
        SELECT
          1
        FROM "staging"."users__keys_20181101" AS "touched_keys"
        WHERE
          "touched_keys"."user_id" = "users"."user_id"
      )
  ) AS "versions"
  WHERE
    NOT (
      "valid_to" = "next_valid_from"
      OR (
        "valid_to" IS NULL AND "next_valid_from" IS NULL
      )
    )
    OR "valid_to" <= "valid_from"
    OR (
      "is_current" AND NOT "valid_to" IS NULL
    )
    OR (
      NOT "is_current" AND "valid_to" IS NULL
    )
    OR "current_versions" <> 1
) AS "failing";
-- only when not present users__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "user_id",
    "level"
  FROM "users"
  WHERE
    (
      NOT "user_id" IS NULL AND NOT "is_inferred"
    )
    AND (
      "user_id" IS NULL OR "level" IS NULL
    )
) AS "failing"
UNION ALL
SELECT
  1 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "user_id",
    "valid_from",
    COUNT(*) AS "rows"
  FROM "users"
  WHERE
    NOT "user_id" IS NULL AND NOT "is_inferred"
  GROUP BY
    "user_id",
    "valid_from"
  HAVING
    COUNT(*) > 1
) AS "failing"
UNION ALL
SELECT
  2 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "user_id",
    "level"
  FROM "users"
  WHERE
    (
      NOT "user_id" IS NULL AND NOT "is_inferred"
    )
    AND (
      NOT "level" IS NULL AND NOT "level" IN ('free', 'paid')
    )
) AS "failing"
UNION ALL
SELECT
  3 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "user_id",
    "user_key",
    "valid_from",
    "valid_to",
    "is_current",
    "next_valid_from",
    "current_versions"
  FROM (
    SELECT
      "user_id",
      "user_key",
      "valid_from",
      "valid_to",
      "is_current",
      LEAD("valid_from") OVER (PARTITION BY "user_id" ORDER BY "valid_from") AS "next_valid_from",
      SUM(CASE WHEN "is_current" THEN 1 ELSE 0 END) OVER (PARTITION BY "user_id") AS "current_versions"
    FROM "users"
    WHERE
      NOT "user_id" IS NULL
  ) AS "versions"
  WHERE
    NOT (
      "valid_to" = "next_valid_from"
      OR (
        "valid_to" IS NULL AND "next_valid_from" IS NULL
      )
    )
    OR "valid_to" <= "valid_from"
    OR (
      "is_current" AND NOT "valid_to" IS NULL
    )
    OR (
      NOT "is_current" AND "valid_to" IS NULL
    )
    OR "current_versions" <> 1
) AS "failing";
-- only when failed 0 and present users__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "user_id",
    "level"
  FROM "users"
  WHERE
    (
      (
        NOT "user_id" IS NULL AND NOT "is_inferred"
      )
      AND EXISTS(
        SELECT
          1
        FROM "staging"."users__keys_20181101" AS "touched_keys"
        WHERE
          "touched_keys"."user_id" = "users"."user_id"
      )
    )
    AND (
      "user_id" IS NULL OR "level" IS NULL
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 0 and not present users__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "user_id",
    "level"
  FROM "users"
  WHERE
    (
      NOT "user_id" IS NULL AND NOT "is_inferred"
    )
    AND (
      "user_id" IS NULL OR "level" IS NULL
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 1 and present users__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "user_id",
    "valid_from",
    COUNT(*) AS "rows"
  FROM "users"
  WHERE
    (
      NOT "user_id" IS NULL AND NOT "is_inferred"
    )
    AND EXISTS(
      SELECT
        1
      FROM "staging"."users__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."user_id" = "users"."user_id"
    )
  GROUP BY
    "user_id",
    "valid_from"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2,
  3
LIMIT 5;
-- only when failed 1 and not present users__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "user_id",
    "valid_from",
    COUNT(*) AS "rows"
  FROM "users"
  WHERE
    NOT "user_id" IS NULL AND NOT "is_inferred"
  GROUP BY
    "user_id",
    "valid_from"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2,
  3
LIMIT 5;
-- only when failed 2 and present users__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "user_id",
    "level"
  FROM "users"
  WHERE
    (
      (
        NOT "user_id" IS NULL AND NOT "is_inferred"
      )
      AND EXISTS(
        SELECT
          1
        FROM "staging"."users__keys_20181101" AS "touched_keys"
        WHERE
          "touched_keys"."user_id" = "users"."user_id"
      )
    )
    AND (
      NOT "level" IS NULL AND NOT "level" IN ('free', 'paid')
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 2 and not present users__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "user_id",
    "level"
  FROM "users"
  WHERE
    (
      NOT "user_id" IS NULL AND NOT "is_inferred"
    )
    AND (
      NOT "level" IS NULL AND NOT "level" IN ('free', 'paid')
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 3 and present users__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "user_id",
    "user_key",
    "valid_from",
    "valid_to",
    "is_current",
    "next_valid_from",
    "current_versions"
  FROM (
    SELECT
      "user_id",
      "user_key",
      "valid_from",
      "valid_to",
      "is_current",
      LEAD("valid_from") OVER (PARTITION BY "user_id" ORDER BY "valid_from") AS "next_valid_from",
      SUM(CASE WHEN "is_current" THEN 1 ELSE 0 END) OVER (PARTITION BY "user_id") AS "current_versions"
    FROM "users"
    WHERE
      NOT "user_id" IS NULL
      AND EXISTS(
        SELECT
          1
        FROM "staging"."users__keys_20181101" AS "touched_keys"
        WHERE
          "touched_keys"."user_id" = "users"."user_id"
      )
  ) AS "versions"
  WHERE
    NOT (
      "valid_to" = "next_valid_from"
      OR (
        "valid_to" IS NULL AND "next_valid_from" IS NULL
      )
    )
    OR "valid_to" <= "valid_from"
    OR (
      "is_current" AND NOT "valid_to" IS NULL
    )
    OR (
      NOT "is_current" AND "valid_to" IS NULL
    )
    OR "current_versions" <> 1
) AS "failing"
ORDER BY
  1,
  2,
  3,
  4,
  5,
  6,
  7
LIMIT 5;
-- only when failed 3 and not present users__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "user_id",
    "user_key",
    "valid_from",
    "valid_to",
    "is_current",
    "next_valid_from",
    "current_versions"
  FROM (
    SELECT
      "user_id",
      "user_key",
      "valid_from",
      "valid_to",
      "is_current",
      LEAD("valid_from") OVER (PARTITION BY "user_id" ORDER BY "valid_from") AS "next_valid_from",
      SUM(CASE WHEN "is_current" THEN 1 ELSE 0 END) OVER (PARTITION BY "user_id") AS "current_versions"
    FROM "users"
    WHERE
      NOT "user_id" IS NULL
  ) AS "versions"
  WHERE
    NOT (
      "valid_to" = "next_valid_from"
      OR (
        "valid_to" IS NULL AND "next_valid_from" IS NULL
      )
    )
    OR "valid_to" <= "valid_from"
    OR (
      "is_current" AND NOT "valid_to" IS NULL
    )
    OR (
      NOT "is_current" AND "valid_to" IS NULL
    )
    OR "current_versions" <> 1
) AS "failing"
ORDER BY
  1,
  2,
  3,
  4,
  5,
  6,
  7
LIMIT 5;
-- commit; then in one transaction, a lock held for the 2 statement(s) after it, until the step commits:
LOCK "ledger"."checks", "ledger"."steps";
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(table_name)s, %(check_name)s, %(severity)s, %(status)s, %(failures)s, %(sample)s, %(checked_at)s, %(run_id)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step check_songs (checks) after load_songs
-- check 1: not_null(song_id)
-- check 2: unique(song_id)
SELECT
  table_name
FROM information_schema.tables
WHERE
  table_schema = 'staging' AND table_name IN ('songs__keys_20181101');
-- only when present songs__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "song_id"
  FROM "songs"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."songs__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."song_id" = "songs"."song_id"
    )
    AND "song_id" IS NULL
) AS "failing"
UNION ALL
SELECT
  1 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "song_id",
    COUNT(*) AS "rows"
  FROM "songs"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."songs__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."song_id" = "songs"."song_id"
    )
  GROUP BY
    "song_id"
  HAVING
    COUNT(*) > 1
) AS "failing";
-- only when not present songs__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "song_id"
  FROM "songs"
  WHERE
    "song_id" IS NULL
) AS "failing"
UNION ALL
SELECT
  1 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "song_id",
    COUNT(*) AS "rows"
  FROM "songs"
  GROUP BY
    "song_id"
  HAVING
    COUNT(*) > 1
) AS "failing";
-- only when failed 0 and present songs__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "song_id"
  FROM "songs"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."songs__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."song_id" = "songs"."song_id"
    )
    AND "song_id" IS NULL
) AS "failing"
ORDER BY
  1
LIMIT 5;
-- only when failed 0 and not present songs__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "song_id"
  FROM "songs"
  WHERE
    "song_id" IS NULL
) AS "failing"
ORDER BY
  1
LIMIT 5;
-- only when failed 1 and present songs__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "song_id",
    COUNT(*) AS "rows"
  FROM "songs"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."songs__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."song_id" = "songs"."song_id"
    )
  GROUP BY
    "song_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 1 and not present songs__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "song_id",
    COUNT(*) AS "rows"
  FROM "songs"
  GROUP BY
    "song_id"
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

-- step check_artists (checks) after load_artists
-- check 1: unique(artist_id)
SELECT
  table_name
FROM information_schema.tables
WHERE
  table_schema = 'staging' AND table_name IN ('artists__keys_20181101');
-- only when present artists__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "artist_id",
    COUNT(*) AS "rows"
  FROM "artists"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."artists__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."artist_id" = "artists"."artist_id"
    )
  GROUP BY
    "artist_id"
  HAVING
    COUNT(*) > 1
) AS "failing";
-- only when not present artists__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "artist_id",
    COUNT(*) AS "rows"
  FROM "artists"
  GROUP BY
    "artist_id"
  HAVING
    COUNT(*) > 1
) AS "failing";
-- only when failed 0 and present artists__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "artist_id",
    COUNT(*) AS "rows"
  FROM "artists"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."artists__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."artist_id" = "artists"."artist_id"
    )
  GROUP BY
    "artist_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 0 and not present artists__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "artist_id",
    COUNT(*) AS "rows"
  FROM "artists"
  GROUP BY
    "artist_id"
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

-- step check_time (checks) after load_time
-- check 1: unique(start_time)
SELECT
  table_name
FROM information_schema.tables
WHERE
  table_schema = 'staging' AND table_name IN ('time__keys_20181101');
-- only when present time__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "start_time",
    COUNT(*) AS "rows"
  FROM "time"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."time__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."start_time" = "time"."start_time"
    )
  GROUP BY
    "start_time"
  HAVING
    COUNT(*) > 1
) AS "failing";
-- only when not present time__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "start_time",
    COUNT(*) AS "rows"
  FROM "time"
  GROUP BY
    "start_time"
  HAVING
    COUNT(*) > 1
) AS "failing";
-- only when failed 0 and present time__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "start_time",
    COUNT(*) AS "rows"
  FROM "time"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."time__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."start_time" = "time"."start_time"
    )
  GROUP BY
    "start_time"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 0 and not present time__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "start_time",
    COUNT(*) AS "rows"
  FROM "time"
  GROUP BY
    "start_time"
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

-- step check_songplays (checks) after load_songplays, load_users, load_songs, load_artists
-- check 1: row_count(min=1)
-- check 2: row_count(staged events)
-- check 3: not_null(songplay_id, start_time, user_id, level, session_id)
-- check 4: unique(songplay_id)
-- check 5: references(user_id → users)
-- check 6: references(user_key → users)
-- check 7: references(song_id → songs)
-- check 8: references(artist_id → artists)
-- check 9: accepted_values(level in 2 value(s))
-- check 10: freshness(start_time within 1d)
-- check 11: sql(plays_match_song_and_artist)
SELECT
  table_name
FROM information_schema.tables
WHERE
  table_schema = 'staging' AND table_name IN ('events_20181101');
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "counted"."rows"
  FROM (
    SELECT
      COUNT(*) AS "rows"
    FROM "songplays"
    WHERE
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  ) AS "counted"
  WHERE
    "counted"."rows" < 1
) AS "failing"
UNION ALL
SELECT
  2 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "songplay_id",
    "start_time",
    "user_id",
    "level",
    "session_id"
  FROM "songplays"
  WHERE
    (
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
    )
    AND (
      "songplay_id" IS NULL
      OR "start_time" IS NULL
      OR "user_id" IS NULL
      OR "level" IS NULL
      OR "session_id" IS NULL
    )
) AS "failing"
UNION ALL
SELECT
  3 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "songplay_id",
    COUNT(*) AS "rows"
  FROM "songplays"
  WHERE
    "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
    AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  GROUP BY
    "songplay_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
UNION ALL
SELECT
  4 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "checked"."songplay_id",
    "checked"."user_id"
  FROM "songplays" AS "checked"
  WHERE
    (
      (
        "checked"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
        AND "checked"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      )
      AND NOT "checked"."user_id" IS NULL
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM "users" AS "referenced"
      WHERE
        "referenced"."user_id" = "checked"."user_id"
    )
) AS "failing"
UNION ALL
SELECT
  5 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "checked"."songplay_id",
    "checked"."user_key"
  FROM "songplays" AS "checked"
  WHERE
    (
      (
        "checked"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
        AND "checked"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      )
      AND NOT "checked"."user_key" IS NULL
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM "users" AS "referenced"
      WHERE
        "referenced"."user_key" = "checked"."user_key"
    )
) AS "failing"
UNION ALL
SELECT
  6 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "checked"."songplay_id",
    "checked"."song_id"
  FROM "songplays" AS "checked"
  WHERE
    (
      (
        "checked"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
        AND "checked"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      )
      AND NOT "checked"."song_id" IS NULL
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM "songs" AS "referenced"
      WHERE
        "referenced"."song_id" = "checked"."song_id"
    )
) AS "failing"
UNION ALL
SELECT
  7 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "checked"."songplay_id",
    "checked"."artist_id"
  FROM "songplays" AS "checked"
  WHERE
    (
      (
        "checked"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
        AND "checked"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      )
      AND NOT "checked"."artist_id" IS NULL
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM "artists" AS "referenced"
      WHERE
        "referenced"."artist_id" = "checked"."artist_id"
    )
) AS "failing"
UNION ALL
SELECT
  8 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "songplay_id",
    "level"
  FROM "songplays"
  WHERE
    (
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
    )
    AND (
      NOT "level" IS NULL AND NOT "level" IN ('free', 'paid')
    )
) AS "failing"
UNION ALL
SELECT
  9 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "latest"."newest",
    CAST('2018-11-01 00:00:00' AS TIMESTAMP) AS "bound"
  FROM (
    SELECT
      MAX("start_time") AS "newest"
    FROM "songplays"
    WHERE
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  ) AS "latest"
  WHERE
    "latest"."newest" IS NULL
    OR "latest"."newest" < CAST('2018-11-01 00:00:00' AS TIMESTAMP)
) AS "failing"
UNION ALL
SELECT
  10 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "sp"."songplay_id",
    "sp"."song_id",
    "sp"."artist_id"
  FROM "songplays" AS "sp"
  WHERE
    "sp"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
    AND "sp"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
    AND (
      "sp"."song_id" IS NULL
    ) <> (
      "sp"."artist_id" IS NULL
    )
) AS "failing";
-- only when present events_20181101:
SELECT
  1 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "counted"."rows",
    "staged"."rows" AS "staged"
  FROM (
    SELECT
      COUNT(*) AS "rows"
    FROM "songplays"
    WHERE
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  ) AS "counted"
  CROSS JOIN (
    SELECT
      COUNT(*) AS "rows"
    FROM "staging"."events_20181101"
    WHERE
      "page" = 'NextSong'
  ) AS "staged"
  WHERE
    ABS("counted"."rows" - "staged"."rows") > (
      "staged"."rows" * 0.0
    )
) AS "failing";
-- only when failed 0:
SELECT
  *
FROM (
  SELECT
    "counted"."rows"
  FROM (
    SELECT
      COUNT(*) AS "rows"
    FROM "songplays"
    WHERE
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  ) AS "counted"
  WHERE
    "counted"."rows" < 1
) AS "failing"
ORDER BY
  1
LIMIT 5;
-- only when failed 1 and present events_20181101:
SELECT
  *
FROM (
  SELECT
    "counted"."rows",
    "staged"."rows" AS "staged"
  FROM (
    SELECT
      COUNT(*) AS "rows"
    FROM "songplays"
    WHERE
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  ) AS "counted"
  CROSS JOIN (
    SELECT
      COUNT(*) AS "rows"
    FROM "staging"."events_20181101"
    WHERE
      "page" = 'NextSong'
  ) AS "staged"
  WHERE
    ABS("counted"."rows" - "staged"."rows") > (
      "staged"."rows" * 0.0
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 2:
SELECT
  *
FROM (
  SELECT
    "songplay_id",
    "start_time",
    "user_id",
    "level",
    "session_id"
  FROM "songplays"
  WHERE
    (
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
    )
    AND (
      "songplay_id" IS NULL
      OR "start_time" IS NULL
      OR "user_id" IS NULL
      OR "level" IS NULL
      OR "session_id" IS NULL
    )
) AS "failing"
ORDER BY
  1,
  2,
  3,
  4,
  5
LIMIT 5;
-- only when failed 3:
SELECT
  *
FROM (
  SELECT
    "songplay_id",
    COUNT(*) AS "rows"
  FROM "songplays"
  WHERE
    "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
    AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  GROUP BY
    "songplay_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 4:
SELECT
  *
FROM (
  SELECT
    "checked"."songplay_id",
    "checked"."user_id"
  FROM "songplays" AS "checked"
  WHERE
    (
      (
        "checked"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
        AND "checked"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      )
      AND NOT "checked"."user_id" IS NULL
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM "users" AS "referenced"
      WHERE
        "referenced"."user_id" = "checked"."user_id"
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 5:
SELECT
  *
FROM (
  SELECT
    "checked"."songplay_id",
    "checked"."user_key"
  FROM "songplays" AS "checked"
  WHERE
    (
      (
        "checked"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
        AND "checked"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      )
      AND NOT "checked"."user_key" IS NULL
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM "users" AS "referenced"
      WHERE
        "referenced"."user_key" = "checked"."user_key"
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 6:
SELECT
  *
FROM (
  SELECT
    "checked"."songplay_id",
    "checked"."song_id"
  FROM "songplays" AS "checked"
  WHERE
    (
      (
        "checked"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
        AND "checked"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      )
      AND NOT "checked"."song_id" IS NULL
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM "songs" AS "referenced"
      WHERE
        "referenced"."song_id" = "checked"."song_id"
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 7:
SELECT
  *
FROM (
  SELECT
    "checked"."songplay_id",
    "checked"."artist_id"
  FROM "songplays" AS "checked"
  WHERE
    (
      (
        "checked"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
        AND "checked"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
      )
      AND NOT "checked"."artist_id" IS NULL
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM "artists" AS "referenced"
      WHERE
        "referenced"."artist_id" = "checked"."artist_id"
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 8:
SELECT
  *
FROM (
  SELECT
    "songplay_id",
    "level"
  FROM "songplays"
  WHERE
    (
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
    )
    AND (
      NOT "level" IS NULL AND NOT "level" IN ('free', 'paid')
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 9:
SELECT
  *
FROM (
  SELECT
    "latest"."newest",
    CAST('2018-11-01 00:00:00' AS TIMESTAMP) AS "bound"
  FROM (
    SELECT
      MAX("start_time") AS "newest"
    FROM "songplays"
    WHERE
      "start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  ) AS "latest"
  WHERE
    "latest"."newest" IS NULL
    OR "latest"."newest" < CAST('2018-11-01 00:00:00' AS TIMESTAMP)
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 10:
SELECT
  *
FROM (
  SELECT
    "sp"."songplay_id",
    "sp"."song_id",
    "sp"."artist_id"
  FROM "songplays" AS "sp"
  WHERE
    "sp"."start_time" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
    AND "sp"."start_time" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
    AND (
      "sp"."song_id" IS NULL
    ) <> (
      "sp"."artist_id" IS NULL
    )
) AS "failing"
ORDER BY
  1,
  2,
  3
LIMIT 5;
-- commit; then in one transaction, a lock held for the 2 statement(s) after it, until the step commits:
LOCK "ledger"."checks", "ledger"."steps";
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(table_name)s, %(check_name)s, %(severity)s, %(status)s, %(failures)s, %(sample)s, %(checked_at)s, %(run_id)s);
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);

-- step finish (finish) after check_users, check_songs, check_artists, check_time, check_songplays
DROP TABLE IF EXISTS "staging"."events_20181101";
DROP TABLE IF EXISTS "staging"."songs_20181101";
DROP TABLE IF EXISTS "staging"."users__keys_20181101";
DROP TABLE IF EXISTS "staging"."songs__keys_20181101";
DROP TABLE IF EXISTS "staging"."artists__keys_20181101";
DROP TABLE IF EXISTS "staging"."time__keys_20181101";
-- commit; then in one transaction, a lock held for the 2 statement(s) after it, until the step commits:
LOCK "ledger"."objects", "ledger"."steps";
UPDATE "ledger"."objects" SET status = 'loaded'
WHERE
  "spec" = 'sparkify' AND "interval_key" = '20181101' AND "status" = 'staged';
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") VALUES (%(spec)s, %(interval_start)s, %(interval_end)s, %(step)s, %(table_name)s, %(status)s, %(staged)s, %(inserted)s, %(updated)s, %(deleted)s, %(rejected)s, %(checks_passed)s, %(checks_failed)s, %(message)s, %(started_at)s, %(finished_at)s, %(run_id)s, %(definition)s, NULL);
