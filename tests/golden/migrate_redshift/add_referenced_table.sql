-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- additive  levels: add table
-- additive  songplays: new check (references(level → levels))
-- one transaction
CREATE TABLE IF NOT EXISTS "levels" ("level" VARCHAR(16) NOT NULL, PRIMARY KEY ("level")) DISTSTYLE AUTO;
COMMENT ON TABLE "levels" IS 'The subscription levels users have played at.';
COMMENT ON COLUMN "levels"."level" IS 'Subscription level';
