SELECT
    a.account_id,
    a.user_id,
    a.plan,
    a.country,
    a.created_at,
    a.updated_at
FROM staging.accounts AS a
