-- A play is matched to the catalogue as a whole: a song without its artist (or the reverse) is a broken match.
SELECT sp.songplay_id, sp.song_id, sp.artist_id
FROM songplays AS sp
WHERE sp.start_time >= :interval_start
    AND sp.start_time < :interval_end
    AND (sp.song_id IS NULL) <> (sp.artist_id IS NULL)
