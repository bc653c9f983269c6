-- One row per NextSong event. A play names its song only by title, artist name and length,
-- so it is matched to the catalogue on all three.
SELECT
    MD5(
        CAST(e.sessionid AS VARCHAR) || '-' || CAST(e.iteminsession AS VARCHAR) || '-' || CAST(e.userid AS VARCHAR)
    ) AS songplay_id,
    e.ts AS start_time,
    e.userid AS user_id,
    e.level,
    catalogue.song_id,
    catalogue.artist_id,
    e.sessionid AS session_id,
    e.location,
    e.useragent AS user_agent
FROM staging.events AS e
LEFT JOIN (
    SELECT s.song_id, s.artist_id, s.title, s.duration, a.name
    FROM songs AS s
    JOIN artists AS a ON a.artist_id = s.artist_id
) AS catalogue
    ON catalogue.title = e.song AND catalogue.name = e.artist AND catalogue.duration = e.length
WHERE e.page = 'NextSong'
