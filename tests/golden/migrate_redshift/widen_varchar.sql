-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- additive  users.first_name: widen varchar: VARCHAR(128) → VARCHAR(256)
-- outside a transaction block
ALTER TABLE "users" ALTER COLUMN "first_name" TYPE VARCHAR(256);
