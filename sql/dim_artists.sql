SELECT
    s.artist_id,
    s.artist_name AS name,
    NULLIF(s.artist_location, '') AS location,
    s.artist_latitude AS latitude,
    s.artist_longitude AS longitude
FROM staging.songs AS s
WHERE s.artist_id IS NOT NULL
