-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- rewrite   users.first_name: set not null: NULL → NOT NULL
-- one transaction
DROP TABLE IF EXISTS "users__migrate";
CREATE TABLE "users__migrate" ("user_id" INTEGER NOT NULL, "first_name" VARCHAR(128) NOT NULL, "last_name" VARCHAR(128), "gender" VARCHAR(16), "level" VARCHAR(16) NOT NULL, "updated_at" TIMESTAMP NOT NULL, PRIMARY KEY ("user_id")) DISTSTYLE ALL COMPOUND SORTKEY("user_id");
INSERT INTO "users__migrate" ("user_id", "first_name", "last_name", "gender", "level", "updated_at") SELECT CAST("user_id" AS INTEGER) AS "user_id", CAST("first_name" AS VARCHAR(128)) AS "first_name", CAST("last_name" AS VARCHAR(128)) AS "last_name", CAST("gender" AS VARCHAR(16)) AS "gender", CAST("level" AS VARCHAR(16)) AS "level", CAST("updated_at" AS TIMESTAMP) AS "updated_at" FROM "users";
ALTER TABLE "songplays" DROP CONSTRAINT "songplays__user_id__fk";
DROP TABLE IF EXISTS "users";
ALTER TABLE "users__migrate" RENAME TO "users";
ALTER TABLE "songplays" ADD CONSTRAINT "songplays__user_id__fk" FOREIGN KEY ("user_id") REFERENCES "users" ("user_id");
COMMENT ON TABLE "users" IS 'App users; level is the one of their latest play.';
COMMENT ON COLUMN "users"."user_id" IS 'App user id';
COMMENT ON COLUMN "users"."first_name" IS 'First name';
COMMENT ON COLUMN "users"."last_name" IS 'Last name';
COMMENT ON COLUMN "users"."gender" IS 'Gender as given by the user';
COMMENT ON COLUMN "users"."level" IS 'Subscription level: free or paid';
COMMENT ON COLUMN "users"."updated_at" IS 'Time of the play this row was taken from';
