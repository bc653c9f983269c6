-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- additive  users.location: add column (VARCHAR(256))
-- additive  users: change select: the SELECT as loaded → the SELECT in the spec
-- additive  users.location: description (Where the user listens from)
-- one transaction
ALTER TABLE "users" ADD COLUMN "location" VARCHAR(256);
COMMENT ON COLUMN "users"."location" IS 'Where the user listens from';
-- one transaction
CREATE TABLE IF NOT EXISTS "users__runs" ("user_id" INTEGER, "first_name" VARCHAR(128), "last_name" VARCHAR(128), "gender" VARCHAR(16), "level" VARCHAR(16), "location" VARCHAR(256), "updated_at" TIMESTAMP, "valid_from" TIMESTAMP NOT NULL, "interval_start" TIMESTAMP NOT NULL);
DROP TABLE IF EXISTS "users__runs__migrate";
CREATE TABLE "users__runs__migrate" ("user_id" INTEGER, "first_name" VARCHAR(128), "last_name" VARCHAR(128), "gender" VARCHAR(16), "level" VARCHAR(16), "location" VARCHAR(256), "updated_at" TIMESTAMP, "valid_from" TIMESTAMP NOT NULL, "interval_start" TIMESTAMP NOT NULL);
INSERT INTO "users__runs__migrate" ("user_id", "first_name", "last_name", "gender", "level", "updated_at", "valid_from", "interval_start") SELECT CAST("user_id" AS INTEGER) AS "user_id", CAST("first_name" AS VARCHAR(128)) AS "first_name", CAST("last_name" AS VARCHAR(128)) AS "last_name", CAST("gender" AS VARCHAR(16)) AS "gender", CAST("level" AS VARCHAR(16)) AS "level", CAST("updated_at" AS TIMESTAMP) AS "updated_at", CAST("valid_from" AS TIMESTAMP) AS "valid_from", CAST("interval_start" AS TIMESTAMP) AS "interval_start" FROM "users__runs";
DROP TABLE IF EXISTS "users__runs";
ALTER TABLE "users__runs__migrate" RENAME TO "users__runs";
