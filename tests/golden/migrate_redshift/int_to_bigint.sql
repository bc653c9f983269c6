-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- rewrite   songplays.session_id: widen type: INTEGER → BIGINT
-- one transaction
DROP TABLE IF EXISTS "songplays__migrate";
CREATE TABLE "songplays__migrate" ("songplay_id" CHAR(32) NOT NULL, "start_time" TIMESTAMP NOT NULL ENCODE az64, "user_id" INTEGER NOT NULL ENCODE az64, "user_key" BIGINT NOT NULL ENCODE az64, "level" VARCHAR(16) NOT NULL ENCODE bytedict, "song_id" VARCHAR(32) ENCODE zstd, "artist_id" VARCHAR(32) ENCODE zstd, "session_id" BIGINT NOT NULL ENCODE az64, "location" VARCHAR(256) ENCODE zstd, "user_agent" VARCHAR(512) ENCODE zstd, PRIMARY KEY ("songplay_id"), CONSTRAINT "songplays__user_key__fk" FOREIGN KEY ("user_key") REFERENCES "users" ("user_key"), CONSTRAINT "songplays__song_id__fk" FOREIGN KEY ("song_id") REFERENCES "songs" ("song_id"), CONSTRAINT "songplays__artist_id__fk" FOREIGN KEY ("artist_id") REFERENCES "artists" ("artist_id")) DISTSTYLE KEY DISTKEY("user_id") COMPOUND SORTKEY("start_time");
INSERT INTO "songplays__migrate" ("songplay_id", "start_time", "user_id", "user_key", "level", "song_id", "artist_id", "session_id", "location", "user_agent") SELECT CAST("songplay_id" AS CHAR(32)) AS "songplay_id", CAST("start_time" AS TIMESTAMP) AS "start_time", CAST("user_id" AS INTEGER) AS "user_id", CAST("user_key" AS BIGINT) AS "user_key", CAST("level" AS VARCHAR(16)) AS "level", CAST("song_id" AS VARCHAR(32)) AS "song_id", CAST("artist_id" AS VARCHAR(32)) AS "artist_id", CAST("session_id" AS BIGINT) AS "session_id", CAST("location" AS VARCHAR(256)) AS "location", CAST("user_agent" AS VARCHAR(512)) AS "user_agent" FROM "songplays";
DROP TABLE IF EXISTS "songplays";
ALTER TABLE "songplays__migrate" RENAME TO "songplays";
COMMENT ON TABLE "songplays" IS 'One row per song played (a NextSong event).';
COMMENT ON COLUMN "songplays"."songplay_id" IS 'MD5 of session, item in session and user';
COMMENT ON COLUMN "songplays"."user_key" IS 'The users version valid at start_time';
COMMENT ON COLUMN "songplays"."song_id" IS 'NULL when the song is not in the catalogue';
COMMENT ON COLUMN "songplays"."artist_id" IS 'NULL when the song is not in the catalogue';
