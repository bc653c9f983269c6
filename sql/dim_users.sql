-- Users from their plays; the loader keeps each user's latest row (latest_by: updated_at).
SELECT
    e.userid AS user_id,
    e.firstname AS first_name,
    e.lastname AS last_name,
    e.gender,
    e.level,
    e.ts AS updated_at
FROM staging.events AS e
WHERE e.page = 'NextSong' AND e.userid IS NOT NULL
