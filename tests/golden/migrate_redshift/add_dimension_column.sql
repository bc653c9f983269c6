-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- additive  users.location: add column (VARCHAR(256))
-- additive  users: change select: the SELECT as loaded → the SELECT in the spec
-- additive  users.location: description (Where the user listens from)
-- one transaction
ALTER TABLE "users" ADD COLUMN "location" VARCHAR(256);
COMMENT ON COLUMN "users"."location" IS 'Where the user listens from';
