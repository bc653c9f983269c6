-- Plays by subscription level: paid versus free
SELECT
    sp.level,
    COUNT(*) AS plays,
    COUNT(DISTINCT sp.user_id) AS users,
    ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 1) AS share_of_plays_pct,
    ROUND(CAST(COUNT(*) AS DOUBLE PRECISION) / COUNT(DISTINCT sp.user_id), 1) AS plays_per_user
FROM songplays AS sp
GROUP BY sp.level
ORDER BY plays DESC
