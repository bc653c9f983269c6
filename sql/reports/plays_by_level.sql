-- Plays by subscription level at the time of the play: paid versus free
-- (the level of the users version each play points to, valid at its start_time)
SELECT
    u.level,
    COUNT(*) AS plays,
    COUNT(DISTINCT sp.user_id) AS users,
    ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 1) AS share_of_plays_pct,
    ROUND(CAST(COUNT(*) AS DOUBLE PRECISION) / COUNT(DISTINCT sp.user_id), 1) AS plays_per_user
FROM songplays AS sp
JOIN users AS u ON u.user_key = sp.user_key
GROUP BY u.level
ORDER BY plays DESC
