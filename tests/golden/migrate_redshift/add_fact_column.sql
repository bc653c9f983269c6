-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- additive  songplays.item_in_session: add column (INTEGER)
-- additive  songplays: change select: the SELECT as loaded → the SELECT in the spec
-- additive  songplays.item_in_session: description (Position of the play in its session)
-- one transaction
ALTER TABLE "songplays" ADD COLUMN "item_in_session" INTEGER;
COMMENT ON COLUMN "songplays"."item_in_session" IS 'Position of the play in its session';
