-- Top 10 songs by plays
SELECT s.title, a.name AS artist, COUNT(*) AS plays, COUNT(DISTINCT sp.user_id) AS listeners
FROM songplays AS sp
JOIN songs AS s ON s.song_id = sp.song_id
JOIN artists AS a ON a.artist_id = sp.artist_id
GROUP BY s.title, a.name
ORDER BY plays DESC, s.title
LIMIT 10
