SELECT DISTINCT
    e.ts AS start_time,
    EXTRACT(HOUR FROM e.ts) AS hour,
    EXTRACT(DAY FROM e.ts) AS day,
    EXTRACT(WEEK FROM e.ts) AS week,
    EXTRACT(MONTH FROM e.ts) AS month,
    EXTRACT(YEAR FROM e.ts) AS year,
    EXTRACT(DOW FROM e.ts) AS weekday
FROM staging.events AS e
WHERE e.page = 'NextSong'
