-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- breaking  songplays.user_location: rename column: location → user_location
-- additive  songplays: change select: the SELECT as loaded → the SELECT in the spec
-- one transaction
ALTER TABLE "songplays" RENAME COLUMN "location" TO "user_location";
