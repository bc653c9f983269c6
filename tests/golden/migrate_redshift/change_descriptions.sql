-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- additive  users: description: App users; level is the one of their latest play. → App users, each with the level of their latest play.
-- additive  users.first_name: description (First name)
-- additive  users.level: description: Subscription level: free or paid → free or paid (latest)
-- one transaction
COMMENT ON TABLE "users" IS 'App users, each with the level of their latest play.';
COMMENT ON COLUMN "users"."first_name" IS '';
COMMENT ON COLUMN "users"."level" IS 'free or paid (latest)';
