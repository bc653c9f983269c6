SELECT
    s.song_id,
    s.title,
    s.artist_id,
    NULLIF(s.year, 0) AS year,
    s.duration
FROM staging.songs AS s
WHERE s.song_id IS NOT NULL
