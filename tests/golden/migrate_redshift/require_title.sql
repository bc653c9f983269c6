-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- rewrite   songs.title: set not null: NULL → NOT NULL
-- one transaction
DROP TABLE IF EXISTS "songs__migrate";
CREATE TABLE "songs__migrate" ("song_id" VARCHAR(32) NOT NULL, "title" VARCHAR(512) NOT NULL, "artist_id" VARCHAR(32), "year" INTEGER, "duration" DOUBLE PRECISION, PRIMARY KEY ("song_id")) DISTSTYLE ALL COMPOUND SORTKEY("song_id");
INSERT INTO "songs__migrate" ("song_id", "title", "artist_id", "year", "duration") SELECT CAST("song_id" AS VARCHAR(32)) AS "song_id", CAST("title" AS VARCHAR(512)) AS "title", CAST("artist_id" AS VARCHAR(32)) AS "artist_id", CAST("year" AS INTEGER) AS "year", CAST("duration" AS DOUBLE PRECISION) AS "duration" FROM "songs";
ALTER TABLE "songplays" DROP CONSTRAINT "songplays__song_id__fk";
DROP TABLE IF EXISTS "songs";
ALTER TABLE "songs__migrate" RENAME TO "songs";
ALTER TABLE "songplays" ADD CONSTRAINT "songplays__song_id__fk" FOREIGN KEY ("song_id") REFERENCES "songs" ("song_id");
COMMENT ON TABLE "songs" IS 'Songs in the music catalogue.';
COMMENT ON COLUMN "songs"."song_id" IS 'Catalogue song id';
COMMENT ON COLUMN "songs"."title" IS 'Song title';
COMMENT ON COLUMN "songs"."artist_id" IS 'Artist of the song';
COMMENT ON COLUMN "songs"."year" IS 'Release year; NULL when unknown';
COMMENT ON COLUMN "songs"."duration" IS 'Length in seconds';
