-- Redshift rules relied on: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD, DROP and
-- RENAME COLUMN in a transaction; ALTER COLUMN TYPE only lengthens a VARCHAR, outside a transaction block);
-- anything else a deep copy in one transaction (CREATE, INSERT ... SELECT, DROP, ALTER TABLE RENAME).
-- breaking  accounts: change key: account_id → account_id, plan
-- additive  accounts: new check (unique(account_id, plan))
-- one transaction
DROP TABLE IF EXISTS "accounts__migrate";
CREATE TABLE "accounts__migrate" ("account_id" INTEGER NOT NULL, "user_id" INTEGER, "plan" VARCHAR(16) NOT NULL, "country" CHAR(2), "created_at" TIMESTAMP NOT NULL, "updated_at" TIMESTAMP NOT NULL, PRIMARY KEY ("account_id", "plan")) DISTSTYLE ALL COMPOUND SORTKEY("account_id");
INSERT INTO "accounts__migrate" ("account_id", "user_id", "plan", "country", "created_at", "updated_at") SELECT CAST("account_id" AS INTEGER) AS "account_id", CAST("user_id" AS INTEGER) AS "user_id", CAST("plan" AS VARCHAR(16)) AS "plan", CAST("country" AS CHAR(2)) AS "country", CAST("created_at" AS TIMESTAMP) AS "created_at", CAST("updated_at" AS TIMESTAMP) AS "updated_at" FROM "accounts";
DROP TABLE IF EXISTS "accounts";
ALTER TABLE "accounts__migrate" RENAME TO "accounts";
COMMENT ON TABLE "accounts" IS 'Subscription accounts; each run merges the accounts changed in its interval.';
COMMENT ON COLUMN "accounts"."account_id" IS 'Account id in the app';
COMMENT ON COLUMN "accounts"."user_id" IS 'The app user (users.user_id) holding the account';
COMMENT ON COLUMN "accounts"."plan" IS 'Subscription plan: basic, premium or family';
COMMENT ON COLUMN "accounts"."country" IS 'ISO country code';
COMMENT ON COLUMN "accounts"."updated_at" IS 'Last change in the app';
