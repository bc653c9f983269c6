-- plan of sparkify for [2018-11-01 00:00, 2018-11-02 00:00) on duckdb

-- step setup (setup)
SELECT
  table_name,
  column_name,
  data_type,
  is_nullable = 'YES',
  ordinal_position
FROM information_schema."columns"
WHERE
  table_schema = 'main';
SELECT
  table_name,
  NULL,
  comment
FROM DUCKDB_TABLES()
WHERE
  schema_name = 'main'
UNION ALL
SELECT
  table_name,
  column_name,
  comment
FROM DUCKDB_COLUMNS()
WHERE
  schema_name = 'main';
SELECT
  table_name,
  column_name,
  data_type,
  is_nullable = 'YES',
  ordinal_position
FROM information_schema."columns"
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
  "spec" TEXT NOT NULL,
  "interval_start" TIMESTAMP NOT NULL,
  "interval_end" TIMESTAMP NOT NULL,
  "step" TEXT NOT NULL,
  "table_name" TEXT,
  "status" TEXT NOT NULL,
  "staged" BIGINT,
  "inserted" BIGINT,
  "updated" BIGINT,
  "deleted" BIGINT,
  "rejected" BIGINT,
  "checks_passed" INT,
  "checks_failed" INT,
  "message" TEXT,
  "started_at" TIMESTAMP NOT NULL,
  "finished_at" TIMESTAMP NOT NULL,
  "run_id" TEXT,
  "definition" TEXT,
  "extract_kind" TEXT
);
CREATE TABLE IF NOT EXISTS "ledger"."definitions" (
  "spec" TEXT NOT NULL,
  "table_name" TEXT NOT NULL,
  "fingerprint" TEXT NOT NULL,
  "definition" TEXT NOT NULL,
  "recorded_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "ledger"."objects" (
  "spec" TEXT NOT NULL,
  "source" TEXT NOT NULL,
  "table_name" TEXT NOT NULL,
  "url" TEXT NOT NULL,
  "version" TEXT NOT NULL,
  "interval_key" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "recorded_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "ledger"."checks" (
  "spec" TEXT NOT NULL,
  "interval_start" TIMESTAMP NOT NULL,
  "interval_end" TIMESTAMP NOT NULL,
  "table_name" TEXT NOT NULL,
  "check_name" TEXT NOT NULL,
  "severity" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "failures" BIGINT NOT NULL,
  "sample" TEXT,
  "checked_at" TIMESTAMP NOT NULL,
  "run_id" TEXT
);
CREATE TABLE IF NOT EXISTS "ledger"."rejects" (
  "spec" TEXT NOT NULL,
  "interval_start" TIMESTAMP NOT NULL,
  "interval_end" TIMESTAMP NOT NULL,
  "source" TEXT NOT NULL,
  "url" TEXT NOT NULL,
  "line" BIGINT,
  "reason" TEXT NOT NULL,
  "raw" TEXT,
  "recorded_at" TIMESTAMP NOT NULL,
  "run_id" TEXT
);
CREATE TABLE IF NOT EXISTS "users" (
  "user_id" INT,
  "first_name" TEXT,
  "last_name" TEXT,
  "gender" TEXT,
  "level" TEXT,
  "updated_at" TIMESTAMP,
  "user_key" BIGINT NOT NULL,
  "valid_from" TIMESTAMP NOT NULL,
  "valid_to" TIMESTAMP,
  "is_current" BOOLEAN NOT NULL,
  "is_inferred" BOOLEAN NOT NULL
);
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
  "song_id" TEXT NOT NULL,
  "title" TEXT,
  "artist_id" TEXT,
  "year" INT,
  "duration" DOUBLE
);
COMMENT ON TABLE "songs" IS 'Songs in the music catalogue.';
COMMENT ON COLUMN "songs"."song_id" IS 'Catalogue song id';
COMMENT ON COLUMN "songs"."title" IS 'Song title';
COMMENT ON COLUMN "songs"."artist_id" IS 'Artist of the song';
COMMENT ON COLUMN "songs"."year" IS 'Release year; NULL when unknown';
COMMENT ON COLUMN "songs"."duration" IS 'Length in seconds';
CREATE TABLE IF NOT EXISTS "artists" (
  "artist_id" TEXT NOT NULL,
  "name" TEXT,
  "location" TEXT,
  "latitude" DOUBLE,
  "longitude" DOUBLE
);
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
  "weekday" SMALLINT NOT NULL
);
COMMENT ON TABLE "time" IS 'Every start time of a play, broken into calendar units.';
COMMENT ON COLUMN "time"."start_time" IS 'Start of a play (UTC)';
COMMENT ON COLUMN "time"."week" IS 'ISO week';
COMMENT ON COLUMN "time"."weekday" IS '0 = Sunday';
CREATE TABLE IF NOT EXISTS "accounts" (
  "account_id" INT NOT NULL,
  "user_id" INT,
  "plan" TEXT NOT NULL,
  "country" TEXT,
  "created_at" TIMESTAMP NOT NULL,
  "updated_at" TIMESTAMP NOT NULL
);
COMMENT ON TABLE "accounts" IS 'Subscription accounts; each run merges the accounts changed in its interval.';
COMMENT ON COLUMN "accounts"."account_id" IS 'Account id in the app';
COMMENT ON COLUMN "accounts"."user_id" IS 'The app user (users.user_id) holding the account';
COMMENT ON COLUMN "accounts"."plan" IS 'Subscription plan: basic, premium or family';
COMMENT ON COLUMN "accounts"."country" IS 'ISO country code';
COMMENT ON COLUMN "accounts"."updated_at" IS 'Last change in the app';
CREATE TABLE IF NOT EXISTS "songplays" (
  "songplay_id" TEXT NOT NULL,
  "start_time" TIMESTAMP NOT NULL,
  "user_id" INT NOT NULL,
  "user_key" BIGINT NOT NULL,
  "level" TEXT NOT NULL,
  "song_id" TEXT,
  "artist_id" TEXT,
  "session_id" INT NOT NULL,
  "location" TEXT,
  "user_agent" TEXT
);
COMMENT ON TABLE "songplays" IS 'One row per song played (a NextSong event).';
COMMENT ON COLUMN "songplays"."songplay_id" IS 'MD5 of session, item in session and user';
COMMENT ON COLUMN "songplays"."user_key" IS 'The users version valid at start_time';
COMMENT ON COLUMN "songplays"."song_id" IS 'NULL when the song is not in the catalogue';
COMMENT ON COLUMN "songplays"."artist_id" IS 'NULL when the song is not in the catalogue';
CREATE TABLE IF NOT EXISTS "users__runs" (
  "user_id" INT,
  "first_name" TEXT,
  "last_name" TEXT,
  "gender" TEXT,
  "level" TEXT,
  "updated_at" TIMESTAMP,
  "valid_from" TIMESTAMP NOT NULL,
  "interval_start" TIMESTAMP NOT NULL
);
-- with the definitions values bound by the runner:
INSERT INTO "ledger"."definitions" ("spec", "table_name", "fingerprint", "definition", "recorded_at") SELECT "j" ->> '$.spec', "j" ->> '$.table_name', "j" ->> '$.fingerprint', "j" ->> '$.definition', "j" ->> '$.recorded_at' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step stage_events (stage) after setup
-- 1 object(s)
--   tests/fixtures/golden/log_data/2018/11/2018-11-01-events.json
-- the step's changes and its ledger row, in one transaction:
DROP TABLE IF EXISTS "staging"."events_20181101";
CREATE TABLE "staging"."events_20181101" (
  "artist" TEXT,
  "auth" TEXT,
  "firstname" TEXT,
  "gender" TEXT,
  "iteminsession" INT,
  "lastname" TEXT,
  "length" DOUBLE,
  "level" TEXT,
  "location" TEXT,
  "method" TEXT,
  "page" TEXT,
  "registration" DOUBLE,
  "sessionid" INT,
  "song" TEXT,
  "status" INT,
  "ts" TIMESTAMP,
  "useragent" TEXT,
  "userid" INT
);
INSERT INTO "staging"."events_20181101" (
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
SELECT
  *
FROM (
  SELECT
    CASE
      WHEN STRLEN("artist") > 512
      THEN ERROR('artist: longer than its 512 bytes')
      WHEN STRPOS("artist", CHR(0)) > 0
      THEN ERROR('artist: holds a NUL character (\u0000), which COPY refuses')
      ELSE "artist"
    END AS "artist",
    CASE
      WHEN STRLEN("auth") > 32
      THEN ERROR('auth: longer than its 32 bytes')
      WHEN STRPOS("auth", CHR(0)) > 0
      THEN ERROR('auth: holds a NUL character (\u0000), which COPY refuses')
      ELSE "auth"
    END AS "auth",
    CASE
      WHEN STRLEN("firstName") > 128
      THEN ERROR('firstname: longer than its 128 bytes')
      WHEN STRPOS("firstName", CHR(0)) > 0
      THEN ERROR('firstname: holds a NUL character (\u0000), which COPY refuses')
      ELSE "firstName"
    END AS "firstname",
    CASE
      WHEN STRLEN("gender") > 16
      THEN ERROR('gender: longer than its 16 bytes')
      WHEN STRPOS("gender", CHR(0)) > 0
      THEN ERROR('gender: holds a NUL character (\u0000), which COPY refuses')
      ELSE "gender"
    END AS "gender",
    CASE
      WHEN NOT NULLIF("itemInSession", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("itemInSession", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("itemInSession", '') AS INT) IS NULL
      )
      THEN ERROR('iteminsession: not a int')
      ELSE CAST(NULLIF("itemInSession", '') AS INT)
    END AS "iteminsession",
    CASE
      WHEN STRLEN("lastName") > 128
      THEN ERROR('lastname: longer than its 128 bytes')
      WHEN STRPOS("lastName", CHR(0)) > 0
      THEN ERROR('lastname: holds a NUL character (\u0000), which COPY refuses')
      ELSE "lastName"
    END AS "lastname",
    CASE
      WHEN NOT NULLIF("length", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("length", ''), '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')
        OR TRY_CAST(NULLIF("length", '') AS DOUBLE) IS NULL
      )
      THEN ERROR('length: not a double precision')
      ELSE CAST(NULLIF("length", '') AS DOUBLE)
    END AS "length",
    CASE
      WHEN STRLEN("level") > 16
      THEN ERROR('level: longer than its 16 bytes')
      WHEN STRPOS("level", CHR(0)) > 0
      THEN ERROR('level: holds a NUL character (\u0000), which COPY refuses')
      ELSE "level"
    END AS "level",
    CASE
      WHEN STRLEN("location") > 256
      THEN ERROR('location: longer than its 256 bytes')
      WHEN STRPOS("location", CHR(0)) > 0
      THEN ERROR('location: holds a NUL character (\u0000), which COPY refuses')
      ELSE "location"
    END AS "location",
    CASE
      WHEN STRLEN("method") > 8
      THEN ERROR('method: longer than its 8 bytes')
      WHEN STRPOS("method", CHR(0)) > 0
      THEN ERROR('method: holds a NUL character (\u0000), which COPY refuses')
      ELSE "method"
    END AS "method",
    CASE
      WHEN STRLEN("page") > 32
      THEN ERROR('page: longer than its 32 bytes')
      WHEN STRPOS("page", CHR(0)) > 0
      THEN ERROR('page: holds a NUL character (\u0000), which COPY refuses')
      ELSE "page"
    END AS "page",
    CASE
      WHEN NOT NULLIF("registration", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("registration", ''), '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')
        OR TRY_CAST(NULLIF("registration", '') AS DOUBLE) IS NULL
      )
      THEN ERROR('registration: not a double precision')
      ELSE CAST(NULLIF("registration", '') AS DOUBLE)
    END AS "registration",
    CASE
      WHEN NOT NULLIF("sessionId", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("sessionId", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("sessionId", '') AS INT) IS NULL
      )
      THEN ERROR('sessionid: not a int')
      ELSE CAST(NULLIF("sessionId", '') AS INT)
    END AS "sessionid",
    CASE
      WHEN STRLEN("song") > 512
      THEN ERROR('song: longer than its 512 bytes')
      WHEN STRPOS("song", CHR(0)) > 0
      THEN ERROR('song: holds a NUL character (\u0000), which COPY refuses')
      ELSE "song"
    END AS "song",
    CASE
      WHEN NOT NULLIF("status", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("status", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("status", '') AS INT) IS NULL
      )
      THEN ERROR('status: not a int')
      ELSE CAST(NULLIF("status", '') AS INT)
    END AS "status",
    CASE
      WHEN NOT NULLIF("ts", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("ts", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("ts", '') AS BIGINT) IS NULL
      )
      THEN ERROR('ts: not a integer epoch')
      WHEN NOT NULLIF("ts", '') IS NULL
      AND NOT (
        NOT REGEXP_FULL_MATCH(NULLIF("ts", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("ts", '') AS BIGINT) IS NULL
      )
      AND NOT CAST(NULLIF("ts", '') AS BIGINT) BETWEEN -210866803200000 AND 9223372036854775
      THEN ERROR('ts: out of range')
      ELSE MAKE_TIMESTAMP(CAST(NULLIF("ts", '') AS BIGINT) * 1000)
    END AS "ts",
    CASE
      WHEN STRLEN("userAgent") > 512
      THEN ERROR('useragent: longer than its 512 bytes')
      WHEN STRPOS("userAgent", CHR(0)) > 0
      THEN ERROR('useragent: holds a NUL character (\u0000), which COPY refuses')
      ELSE "userAgent"
    END AS "useragent",
    CASE
      WHEN NOT NULLIF("userId", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("userId", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("userId", '') AS INT) IS NULL
      )
      THEN ERROR('userid: not a int')
      ELSE CAST(NULLIF("userId", '') AS INT)
    END AS "userid"
  FROM READ_JSON(
    ['tests/fixtures/golden/log_data/2018/11/2018-11-01-events.json'],
    format => 'newline_delimited',
    records => 'true',
    columns => {'artist': 'VARCHAR', 'auth': 'VARCHAR', 'firstName': 'VARCHAR', 'gender': 'VARCHAR', 'itemInSession': 'VARCHAR', 'lastName': 'VARCHAR', 'length': 'VARCHAR', 'level': 'VARCHAR', 'location': 'VARCHAR', 'method': 'VARCHAR', 'page': 'VARCHAR', 'registration': 'VARCHAR', 'sessionId': 'VARCHAR', 'song': 'VARCHAR', 'status': 'VARCHAR', 'ts': 'VARCHAR', 'userAgent': 'VARCHAR', 'userId': 'VARCHAR'}
  )
) AS typed
WHERE
  CASE
    WHEN "page" = 'NextSong' AND "ts" IS NULL
    THEN ERROR('ts: NULL, but time.start_time, time.hour, time.day and 5 more need a value')
    WHEN "page" = 'NextSong'
    AND (
      "userid" IS NULL OR "iteminsession" IS NULL OR "sessionid" IS NULL
    )
    THEN ERROR('iteminsession, sessionid, userid: NULL, but songplays.songplay_id need a value')
    WHEN "page" = 'NextSong' AND "userid" IS NULL
    THEN ERROR('userid: NULL, but songplays.user_id need a value')
    WHEN "page" = 'NextSong' AND "level" IS NULL
    THEN ERROR('level: NULL, but songplays.level need a value')
    WHEN "page" = 'NextSong' AND "sessionid" IS NULL
    THEN ERROR('sessionid: NULL, but songplays.session_id need a value')
  END IS NULL;
DELETE FROM "staging"."events_20181101"
WHERE
  NOT (
    "ts" >= CAST('2018-11-01 00:00:00' AS TIMESTAMP)
    AND "ts" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)
  );
DELETE FROM "ledger"."rejects"
WHERE
  "spec" = 'sparkify'
  AND "source" = 'events'
  AND "interval_start" = CAST('2018-11-01 00:00:00' AS TIMESTAMP);
-- with the rejects values bound by the runner:
INSERT INTO "ledger"."rejects" ("spec", "interval_start", "interval_end", "source", "url", "line", "reason", "raw", "recorded_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.source', "j" ->> '$.url', "j" ->> '$.line', "j" ->> '$.reason', "j" ->> '$.raw', "j" ->> '$.recorded_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

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
--   tests/fixtures/golden/song_data/A/A/A/TRAAAAW128F429D538.json
-- the step's changes and its ledger row, in one transaction:
DROP TABLE IF EXISTS "staging"."songs_20181101";
CREATE TABLE "staging"."songs_20181101" (
  "num_songs" INT,
  "artist_id" TEXT,
  "artist_latitude" DOUBLE,
  "artist_longitude" DOUBLE,
  "artist_location" TEXT,
  "artist_name" TEXT,
  "song_id" TEXT,
  "title" TEXT,
  "duration" DOUBLE,
  "year" INT
);
INSERT INTO "staging"."songs_20181101" (
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
SELECT
  *
FROM (
  SELECT
    CASE
      WHEN NOT NULLIF("num_songs", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("num_songs", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("num_songs", '') AS INT) IS NULL
      )
      THEN ERROR('num_songs: not a int')
      ELSE CAST(NULLIF("num_songs", '') AS INT)
    END AS "num_songs",
    CASE
      WHEN STRLEN("artist_id") > 32
      THEN ERROR('artist_id: longer than its 32 bytes')
      WHEN STRPOS("artist_id", CHR(0)) > 0
      THEN ERROR('artist_id: holds a NUL character (\u0000), which COPY refuses')
      ELSE "artist_id"
    END AS "artist_id",
    CASE
      WHEN NOT NULLIF("artist_latitude", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(
          NULLIF("artist_latitude", ''),
          '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?'
        )
        OR TRY_CAST(NULLIF("artist_latitude", '') AS DOUBLE) IS NULL
      )
      THEN ERROR('artist_latitude: not a double precision')
      ELSE CAST(NULLIF("artist_latitude", '') AS DOUBLE)
    END AS "artist_latitude",
    CASE
      WHEN NOT NULLIF("artist_longitude", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(
          NULLIF("artist_longitude", ''),
          '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?'
        )
        OR TRY_CAST(NULLIF("artist_longitude", '') AS DOUBLE) IS NULL
      )
      THEN ERROR('artist_longitude: not a double precision')
      ELSE CAST(NULLIF("artist_longitude", '') AS DOUBLE)
    END AS "artist_longitude",
    CASE
      WHEN STRLEN("artist_location") > 512
      THEN ERROR('artist_location: longer than its 512 bytes')
      WHEN STRPOS("artist_location", CHR(0)) > 0
      THEN ERROR('artist_location: holds a NUL character (\u0000), which COPY refuses')
      ELSE "artist_location"
    END AS "artist_location",
    CASE
      WHEN STRLEN("artist_name") > 512
      THEN ERROR('artist_name: longer than its 512 bytes')
      WHEN STRPOS("artist_name", CHR(0)) > 0
      THEN ERROR('artist_name: holds a NUL character (\u0000), which COPY refuses')
      ELSE "artist_name"
    END AS "artist_name",
    CASE
      WHEN STRLEN("song_id") > 32
      THEN ERROR('song_id: longer than its 32 bytes')
      WHEN STRPOS("song_id", CHR(0)) > 0
      THEN ERROR('song_id: holds a NUL character (\u0000), which COPY refuses')
      ELSE "song_id"
    END AS "song_id",
    CASE
      WHEN STRLEN("title") > 512
      THEN ERROR('title: longer than its 512 bytes')
      WHEN STRPOS("title", CHR(0)) > 0
      THEN ERROR('title: holds a NUL character (\u0000), which COPY refuses')
      ELSE "title"
    END AS "title",
    CASE
      WHEN NOT NULLIF("duration", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("duration", ''), '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')
        OR TRY_CAST(NULLIF("duration", '') AS DOUBLE) IS NULL
      )
      THEN ERROR('duration: not a double precision')
      ELSE CAST(NULLIF("duration", '') AS DOUBLE)
    END AS "duration",
    CASE
      WHEN NOT NULLIF("year", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("year", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("year", '') AS INT) IS NULL
      )
      THEN ERROR('year: not a int')
      ELSE CAST(NULLIF("year", '') AS INT)
    END AS "year"
  FROM READ_JSON(
    ['tests/fixtures/golden/song_data/A/A/A/TRAAAAW128F429D538.json'],
    format => 'newline_delimited',
    records => 'true',
    columns => {'num_songs': 'VARCHAR', 'artist_id': 'VARCHAR', 'artist_latitude': 'VARCHAR', 'artist_longitude': 'VARCHAR', 'artist_location': 'VARCHAR', 'artist_name': 'VARCHAR', 'song_id': 'VARCHAR', 'title': 'VARCHAR', 'duration': 'VARCHAR', 'year': 'VARCHAR'}
  )
) AS typed
WHERE
  CASE
    WHEN NOT "song_id" IS NULL AND "song_id" IS NULL
    THEN ERROR('song_id: NULL, but songs.song_id need a value')
    WHEN NOT "artist_id" IS NULL AND "artist_id" IS NULL
    THEN ERROR('artist_id: NULL, but artists.artist_id need a value')
  END IS NULL;
DELETE FROM "ledger"."rejects"
WHERE
  "spec" = 'sparkify'
  AND "source" = 'songs'
  AND "interval_start" = CAST('2018-11-01 00:00:00' AS TIMESTAMP);
-- with the rejects values bound by the runner:
INSERT INTO "ledger"."rejects" ("spec", "interval_start", "interval_end", "source", "url", "line", "reason", "raw", "recorded_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.source', "j" ->> '$.url', "j" ->> '$.line', "j" ->> '$.reason', "j" ->> '$.raw', "j" ->> '$.recorded_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
DELETE FROM "ledger"."objects"
WHERE
  "spec" = 'sparkify'
  AND "source" = 'songs'
  AND "interval_key" = '20181101'
  AND "status" = 'staged';
-- with the objects values bound by the runner:
INSERT INTO "ledger"."objects" ("spec", "source", "table_name", "url", "version", "interval_key", "status", "recorded_at") SELECT "j" ->> '$.spec', "j" ->> '$.source', "j" ->> '$.table_name', "j" ->> '$.url', "j" ->> '$.version', "j" ->> '$.interval_key', "j" ->> '$.status', "j" ->> '$.recorded_at' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step stage_accounts (stage) after setup
SELECT
  COUNT(DISTINCT "loaded"."table_name") AS "tables"
FROM "ledger"."steps" AS "loaded"
WHERE
  "loaded"."spec" = 'sparkify'
  AND "loaded"."step" IN ('load_accounts')
  AND "loaded"."status" = 'success'
  AND EXISTS(
    SELECT
      1
    FROM "ledger"."steps" AS "staged"
    WHERE
      "staged"."spec" = "loaded"."spec"
      AND "staged"."interval_start" = "loaded"."interval_start"
      AND "staged"."interval_end" = "loaded"."interval_end"
      AND "staged"."step" = 'stage_accounts'
      AND "staged"."status" = 'success'
  )
HAVING
  COUNT(DISTINCT "loaded"."table_name") = 1;
-- extract (full) from app_db to s3://sparkify-warehouse/staging/sparkify/extracts/accounts/20181101/part-NNNN.json.gz: SELECT CAST(ROW_TO_JSON("extracted") AS TEXT) AS "line" FROM (SELECT CAST("account_id" AS INT) AS "account_id", CAST("user_id" AS INT) AS "user_id", CAST("plan" AS VARCHAR(16)) AS "plan", CAST("country" AS CHAR(2)) AS "country", CAST("created_at" AS TIMESTAMP) AS "created_at", CAST("updated_at" AS TIMESTAMP) AS "updated_at" FROM "public"."accounts" WHERE "updated_at" < CAST('2018-11-02 00:00:00' AS TIMESTAMP)) AS "extracted"
-- the step's changes and its ledger row, in one transaction:
DROP TABLE IF EXISTS "staging"."accounts_20181101";
CREATE TABLE "staging"."accounts_20181101" (
  "account_id" INT,
  "user_id" INT,
  "plan" TEXT,
  "country" TEXT,
  "created_at" TIMESTAMP,
  "updated_at" TIMESTAMP
);
INSERT INTO "staging"."accounts_20181101" (
  "account_id",
  "user_id",
  "plan",
  "country",
  "created_at",
  "updated_at"
)
SELECT
  *
FROM (
  SELECT
    CASE
      WHEN NOT NULLIF("account_id", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("account_id", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("account_id", '') AS INT) IS NULL
      )
      THEN ERROR('account_id: not a int')
      ELSE CAST(NULLIF("account_id", '') AS INT)
    END AS "account_id",
    CASE
      WHEN NOT NULLIF("user_id", '') IS NULL
      AND (
        NOT REGEXP_FULL_MATCH(NULLIF("user_id", ''), '[+-]?[0-9]+')
        OR TRY_CAST(NULLIF("user_id", '') AS INT) IS NULL
      )
      THEN ERROR('user_id: not a int')
      ELSE CAST(NULLIF("user_id", '') AS INT)
    END AS "user_id",
    CASE
      WHEN STRLEN("plan") > 16
      THEN ERROR('plan: longer than its 16 bytes')
      WHEN STRPOS("plan", CHR(0)) > 0
      THEN ERROR('plan: holds a NUL character (\u0000), which COPY refuses')
      ELSE "plan"
    END AS "plan",
    CASE
      WHEN STRLEN("country") > 2
      THEN ERROR('country: longer than its 2 bytes')
      WHEN STRPOS("country", CHR(0)) > 0
      THEN ERROR('country: holds a NUL character (\u0000), which COPY refuses')
      ELSE "country"
    END AS "country",
    CASE
      WHEN NOT NULLIF("created_at", '') IS NULL
      AND TRY_CAST(NULLIF("created_at", '') AS TIMESTAMP) IS NULL
      THEN ERROR('created_at: not a timestamp')
      ELSE CAST(NULLIF("created_at", '') AS TIMESTAMP)
    END AS "created_at",
    CASE
      WHEN NOT NULLIF("updated_at", '') IS NULL
      AND TRY_CAST(NULLIF("updated_at", '') AS TIMESTAMP) IS NULL
      THEN ERROR('updated_at: not a timestamp')
      ELSE CAST(NULLIF("updated_at", '') AS TIMESTAMP)
    END AS "updated_at"
  FROM READ_JSON(
    ['/tmp/warehouse/sparkify/20181101/accounts/000000-part-0000.json.gz'],
    format => 'newline_delimited',
    records => 'true',
    columns => {'account_id': 'VARCHAR', 'user_id': 'VARCHAR', 'plan': 'VARCHAR', 'country': 'VARCHAR', 'created_at': 'VARCHAR', 'updated_at': 'VARCHAR'}
  )
) AS typed
WHERE
  CASE
    WHEN "account_id" IS NULL
    THEN ERROR('account_id: NULL, but accounts.account_id need a value')
    WHEN "plan" IS NULL
    THEN ERROR('plan: NULL, but accounts.plan need a value')
    WHEN "created_at" IS NULL
    THEN ERROR('created_at: NULL, but accounts.created_at need a value')
    WHEN "updated_at" IS NULL
    THEN ERROR('updated_at: NULL, but accounts.updated_at need a value')
  END IS NULL;
DELETE FROM "ledger"."rejects"
WHERE
  "spec" = 'sparkify'
  AND "source" = 'accounts'
  AND "interval_start" = CAST('2018-11-01 00:00:00' AS TIMESTAMP);
-- with the rejects values bound by the runner:
INSERT INTO "ledger"."rejects" ("spec", "interval_start", "interval_end", "source", "url", "line", "reason", "raw", "recorded_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.source', "j" ->> '$.url', "j" ->> '$.line', "j" ->> '$.reason', "j" ->> '$.raw', "j" ->> '$.recorded_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', 'full' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step load_users (dimensions) after stage_events
-- the step's changes and its ledger row, in one transaction:
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
              ORDER BY "updated_at" DESC, "user_id" ASC, "first_name" ASC, "last_name" ASC, "gender" ASC, "level" ASC, "updated_at" ASC
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
  "user_id" INT
);
INSERT INTO "staging"."users__keys_20181101" (
  "user_id"
)
SELECT
  "user_id"
FROM "users__touched";
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
      THEN CAST('0x' || SUBSTRING(MD5(CAST("user_id" AS TEXT)), 1, 15) AS BIGINT)
      ELSE CAST('0x' || SUBSTRING(
        MD5(CAST("user_id" AS TEXT) || '|' || STRFTIME("valid_from", '%Y-%m-%d %H:%M:%S.%f')),
        1,
        15
      ) AS BIGINT)
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
      ROW_NUMBER() OVER (PARTITION BY "user_id" ORDER BY "updated_at" DESC, "valid_from" DESC) AS "_newest"
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
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step load_songs (dimensions) after stage_songs
-- the step's changes and its ledger row, in one transaction:
CREATE TEMPORARY TABLE "songs__batch" AS
SELECT
  *
FROM "songs"
LIMIT 0;
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
  "song_id" TEXT NOT NULL
);
INSERT INTO "staging"."songs__keys_20181101" (
  "song_id"
)
SELECT
  "song_id"
FROM "songs__batch";
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
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step load_artists (dimensions) after stage_songs
-- the step's changes and its ledger row, in one transaction:
CREATE TEMPORARY TABLE "artists__batch" AS
SELECT
  *
FROM "artists"
LIMIT 0;
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
  "artist_id" TEXT NOT NULL
);
INSERT INTO "staging"."artists__keys_20181101" (
  "artist_id"
)
SELECT
  "artist_id"
FROM "artists__batch";
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
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step load_time (dimensions) after stage_events
-- the step's changes and its ledger row, in one transaction:
CREATE TEMPORARY TABLE "time__batch" AS
SELECT
  *
FROM "time"
LIMIT 0;
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
      EXTRACT(DAYOFWEEK FROM "e"."ts") AS "weekday"
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
);
INSERT INTO "staging"."time__keys_20181101" (
  "start_time"
)
SELECT
  "start_time"
FROM "time__batch";
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
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step load_accounts (dimensions) after stage_accounts
-- the step's changes and its ledger row, in one transaction:
CREATE TEMPORARY TABLE "accounts__batch" AS
SELECT
  *
FROM "accounts"
LIMIT 0;
INSERT INTO "accounts__batch" (
  "account_id",
  "user_id",
  "plan",
  "country",
  "created_at",
  "updated_at"
)
SELECT
  "ranked"."account_id",
  "ranked"."user_id",
  "ranked"."plan",
  "ranked"."country",
  "ranked"."created_at",
  "ranked"."updated_at"
FROM (
  SELECT
    "account_id",
    "user_id",
    "plan",
    "country",
    "created_at",
    "updated_at",
    ROW_NUMBER() OVER (
      PARTITION BY "account_id"
      ORDER BY "updated_at" DESC, "account_id" ASC, "user_id" ASC, "plan" ASC, "country" ASC, "created_at" ASC, "updated_at" ASC
    ) AS "_row"
  FROM (
    SELECT
      "a"."account_id",
      "a"."user_id",
      "a"."plan",
      "a"."country",
      "a"."created_at",
      "a"."updated_at"
    FROM "staging"."accounts_20181101" AS "a"
  ) AS "source"
) AS "ranked"
WHERE
  "ranked"."_row" = 1;
DROP TABLE IF EXISTS "staging"."accounts__keys_20181101";
CREATE TABLE "staging"."accounts__keys_20181101" (
  "account_id" INT NOT NULL
);
INSERT INTO "staging"."accounts__keys_20181101" (
  "account_id"
)
SELECT
  "account_id"
FROM "accounts__batch";
DELETE FROM "accounts__batch" USING   "accounts"
WHERE
  "accounts"."account_id" = "accounts__batch"."account_id"
  AND "accounts"."updated_at" > "accounts__batch"."updated_at";
SELECT
  COUNT(*) - COUNT("loaded"."account_id") AS "inserted",
  COUNT("loaded"."account_id") AS "updated"
FROM "accounts__batch" AS "batch"
LEFT JOIN "accounts" AS "loaded"
  ON "batch"."account_id" = "loaded"."account_id";
MERGE INTO "accounts"
USING "accounts__batch" AS "batch"
ON "accounts"."account_id" = "batch"."account_id"
WHEN MATCHED THEN UPDATE SET
  "user_id" = "batch"."user_id",
  "plan" = "batch"."plan",
  "country" = "batch"."country",
  "created_at" = "batch"."created_at",
  "updated_at" = "batch"."updated_at"
WHEN NOT MATCHED THEN INSERT ("account_id", "user_id", "plan", "country", "created_at", "updated_at") VALUES (
  "batch"."account_id",
  "batch"."user_id",
  "batch"."plan",
  "batch"."country",
  "batch"."created_at",
  "batch"."updated_at"
);
SELECT
  COUNT(*) AS "merged"
FROM "accounts__batch" AS "batch"
JOIN "accounts" AS "loaded"
  ON "loaded"."account_id" = "batch"."account_id"
  AND (
    "loaded"."user_id" = "batch"."user_id"
    OR (
      "loaded"."user_id" IS NULL AND "batch"."user_id" IS NULL
    )
  )
  AND (
    "loaded"."plan" = "batch"."plan"
    OR (
      "loaded"."plan" IS NULL AND "batch"."plan" IS NULL
    )
  )
  AND (
    "loaded"."country" = "batch"."country"
    OR (
      "loaded"."country" IS NULL AND "batch"."country" IS NULL
    )
  )
  AND (
    "loaded"."created_at" = "batch"."created_at"
    OR (
      "loaded"."created_at" IS NULL AND "batch"."created_at" IS NULL
    )
  )
  AND (
    "loaded"."updated_at" = "batch"."updated_at"
    OR (
      "loaded"."updated_at" IS NULL AND "batch"."updated_at" IS NULL
    )
  );
DROP TABLE IF EXISTS "accounts__batch";
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step load_songplays (facts) after stage_events, load_songs, load_artists
-- the step's changes and its ledger row, in one transaction:
CREATE TEMPORARY TABLE "songplays__rows" AS
SELECT
  *
FROM "songplays"
LIMIT 0;
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
          CAST('0x' || SUBSTRING(MD5(CAST("source"."user_id" AS TEXT)), 1, 15) AS BIGINT)
        )
      END AS "user_key"
    FROM (
      SELECT
        MD5(
          CAST("e"."sessionid" AS TEXT) || '-' || CAST("e"."iteminsession" AS TEXT) || '-' || CAST("e"."userid" AS TEXT)
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
CREATE TEMPORARY TABLE "songplays__batch" AS
SELECT
  *
FROM "songplays"
LIMIT 0;
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
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step check_users (checks) after load_users
-- check 1: not_null(user_id, level)
-- check 2: unique(user_id, valid_from)
-- check 3: accepted_values(level in 2 value(s))
-- check 4: history(valid_from, valid_to, is_current)
-- the step's changes and its ledger row, in one transaction:
SELECT
  table_name
FROM DUCKDB_TABLES()
WHERE
  schema_name = 'staging' AND table_name IN ('users__keys_20181101');
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
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.table_name', "j" ->> '$.check_name', "j" ->> '$.severity', "j" ->> '$.status', "j" ->> '$.failures', "j" ->> '$.sample', "j" ->> '$.checked_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step check_songs (checks) after load_songs
-- check 1: not_null(song_id)
-- check 2: unique(song_id)
-- the step's changes and its ledger row, in one transaction:
SELECT
  table_name
FROM DUCKDB_TABLES()
WHERE
  schema_name = 'staging' AND table_name IN ('songs__keys_20181101');
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
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.table_name', "j" ->> '$.check_name', "j" ->> '$.severity', "j" ->> '$.status', "j" ->> '$.failures', "j" ->> '$.sample', "j" ->> '$.checked_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step check_artists (checks) after load_artists
-- check 1: unique(artist_id)
-- the step's changes and its ledger row, in one transaction:
SELECT
  table_name
FROM DUCKDB_TABLES()
WHERE
  schema_name = 'staging' AND table_name IN ('artists__keys_20181101');
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
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.table_name', "j" ->> '$.check_name', "j" ->> '$.severity', "j" ->> '$.status', "j" ->> '$.failures', "j" ->> '$.sample', "j" ->> '$.checked_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step check_time (checks) after load_time
-- check 1: unique(start_time)
-- the step's changes and its ledger row, in one transaction:
SELECT
  table_name
FROM DUCKDB_TABLES()
WHERE
  schema_name = 'staging' AND table_name IN ('time__keys_20181101');
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
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.table_name', "j" ->> '$.check_name', "j" ->> '$.severity', "j" ->> '$.status', "j" ->> '$.failures', "j" ->> '$.sample', "j" ->> '$.checked_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step check_accounts (checks) after load_accounts
-- check 1: not_null(account_id, plan)
-- check 2: unique(account_id)
-- check 3: accepted_values(plan in 3 value(s))
-- the step's changes and its ledger row, in one transaction:
SELECT
  table_name
FROM DUCKDB_TABLES()
WHERE
  schema_name = 'staging' AND table_name IN ('accounts__keys_20181101');
-- only when present accounts__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "account_id",
    "plan"
  FROM "accounts"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."accounts__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."account_id" = "accounts"."account_id"
    )
    AND (
      "account_id" IS NULL OR "plan" IS NULL
    )
) AS "failing"
UNION ALL
SELECT
  1 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "account_id",
    COUNT(*) AS "rows"
  FROM "accounts"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."accounts__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."account_id" = "accounts"."account_id"
    )
  GROUP BY
    "account_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
UNION ALL
SELECT
  2 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "account_id",
    "plan"
  FROM "accounts"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."accounts__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."account_id" = "accounts"."account_id"
    )
    AND (
      NOT "plan" IS NULL AND NOT "plan" IN ('basic', 'premium', 'family')
    )
) AS "failing";
-- only when not present accounts__keys_20181101:
SELECT
  0 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "account_id",
    "plan"
  FROM "accounts"
  WHERE
    "account_id" IS NULL OR "plan" IS NULL
) AS "failing"
UNION ALL
SELECT
  1 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "account_id",
    COUNT(*) AS "rows"
  FROM "accounts"
  GROUP BY
    "account_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
UNION ALL
SELECT
  2 AS "check",
  COUNT(*) AS "failures"
FROM (
  SELECT
    "account_id",
    "plan"
  FROM "accounts"
  WHERE
    NOT "plan" IS NULL AND NOT "plan" IN ('basic', 'premium', 'family')
) AS "failing";
-- only when failed 0 and present accounts__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "account_id",
    "plan"
  FROM "accounts"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."accounts__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."account_id" = "accounts"."account_id"
    )
    AND (
      "account_id" IS NULL OR "plan" IS NULL
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 0 and not present accounts__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "account_id",
    "plan"
  FROM "accounts"
  WHERE
    "account_id" IS NULL OR "plan" IS NULL
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 1 and present accounts__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "account_id",
    COUNT(*) AS "rows"
  FROM "accounts"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."accounts__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."account_id" = "accounts"."account_id"
    )
  GROUP BY
    "account_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 1 and not present accounts__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "account_id",
    COUNT(*) AS "rows"
  FROM "accounts"
  GROUP BY
    "account_id"
  HAVING
    COUNT(*) > 1
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 2 and present accounts__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "account_id",
    "plan"
  FROM "accounts"
  WHERE
    EXISTS(
      SELECT
        1
      FROM "staging"."accounts__keys_20181101" AS "touched_keys"
      WHERE
        "touched_keys"."account_id" = "accounts"."account_id"
    )
    AND (
      NOT "plan" IS NULL AND NOT "plan" IN ('basic', 'premium', 'family')
    )
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- only when failed 2 and not present accounts__keys_20181101:
SELECT
  *
FROM (
  SELECT
    "account_id",
    "plan"
  FROM "accounts"
  WHERE
    NOT "plan" IS NULL AND NOT "plan" IN ('basic', 'premium', 'family')
) AS "failing"
ORDER BY
  1,
  2
LIMIT 5;
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.table_name', "j" ->> '$.check_name', "j" ->> '$.severity', "j" ->> '$.status', "j" ->> '$.failures', "j" ->> '$.sample', "j" ->> '$.checked_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

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
-- the step's changes and its ledger row, in one transaction:
SELECT
  table_name
FROM DUCKDB_TABLES()
WHERE
  schema_name = 'staging' AND table_name IN ('events_20181101');
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
-- with the checks values bound by the runner:
INSERT INTO "ledger"."checks" ("spec", "interval_start", "interval_end", "table_name", "check_name", "severity", "status", "failures", "sample", "checked_at", "run_id") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.table_name', "j" ->> '$.check_name', "j" ->> '$.severity', "j" ->> '$.status', "j" ->> '$.failures', "j" ->> '$.sample', "j" ->> '$.checked_at', "j" ->> '$.run_id' FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");

-- step finish (finish) after check_users, check_songs, check_artists, check_time, check_accounts, check_songplays
-- the step's changes and its ledger row, in one transaction:
DROP TABLE IF EXISTS "staging"."events_20181101";
DROP TABLE IF EXISTS "staging"."songs_20181101";
DROP TABLE IF EXISTS "staging"."accounts_20181101";
DROP TABLE IF EXISTS "staging"."users__keys_20181101";
DROP TABLE IF EXISTS "staging"."songs__keys_20181101";
DROP TABLE IF EXISTS "staging"."artists__keys_20181101";
DROP TABLE IF EXISTS "staging"."time__keys_20181101";
DROP TABLE IF EXISTS "staging"."accounts__keys_20181101";
UPDATE "ledger"."objects" SET status = 'loaded'
WHERE
  "spec" = 'sparkify' AND "interval_key" = '20181101' AND "status" = 'staged';
-- with the step values bound by the runner:
INSERT INTO "ledger"."steps" ("spec", "interval_start", "interval_end", "step", "table_name", "status", "staged", "inserted", "updated", "deleted", "rejected", "checks_passed", "checks_failed", "message", "started_at", "finished_at", "run_id", "definition", "extract_kind") SELECT "j" ->> '$.spec', "j" ->> '$.interval_start', "j" ->> '$.interval_end', "j" ->> '$.step', "j" ->> '$.table_name', "j" ->> '$.status', "j" ->> '$.staged', "j" ->> '$.inserted', "j" ->> '$.updated', "j" ->> '$.deleted', "j" ->> '$.rejected', "j" ->> '$.checks_passed', "j" ->> '$.checks_failed', "j" ->> '$.message', "j" ->> '$.started_at', "j" ->> '$.finished_at', "j" ->> '$.run_id', "j" ->> '$.definition', NULL FROM UNNEST(CAST(? AS JSON[])) AS "r"("j");
