-- time: dates, times, timestamps, time zones and intervals. Compared with PostgreSQL 15 by tests/pg_semantics.rs
-- (both start in TimeZone UTC; SET TIME ZONE below changes both).

-- CURRENT_TIMESTAMP is now(), fraction included, the same within one statement.
SELECT CURRENT_TIMESTAMP = now(), LOCALTIMESTAMP = now()::timestamp, CURRENT_DATE = now()::date;
SELECT transaction_timestamp() = now();

-- Input and output of each type.
SELECT '2024-02-29'::date, '2024-02-29 13:14:15.5'::timestamp, '2024-02-29 13:14:15+02'::timestamptz, '13:14'::time;
SELECT date '2024-01-05', timestamp '2024-01-05 10:00', timestamptz '2024-01-05 10:00 Europe/Berlin', time '23:59:59.999';
SELECT '2024-02-30'::date;
SELECT 'yesterdayish'::timestamp;
SELECT 'infinity'::timestamp, '-infinity'::date, 'epoch'::timestamptz;
SELECT '2024-01-01T10:00:00Z'::timestamptz, '2024-01-01 10:00:00-03:30'::timestamptz;

-- Intervals: input forms and PostgreSQL's output.
SELECT interval '1 day', interval '2 hours 30 minutes', interval '1.5 years', interval '1.5 months', interval '1.5 days';
SELECT interval '-1 day +02:00', interval '01:02:03.25', interval '3 weeks ago', interval '@ 1 hour', interval 'P1Y2M3DT4H5M6S';
SELECT '90'::interval, '1 year 2 mons 3 days 04:05:06'::interval, interval '0', interval '-2 years -3 mons';
SELECT INTERVAL '3' DAY, INTERVAL '10' MINUTE;
SELECT '1 fortnight'::interval;

-- Arithmetic.
SELECT date '2024-01-31' + 7, date '2024-03-01' - 1, date '2024-03-01' - date '2024-02-01';
SELECT timestamp '2024-01-31 10:00' + interval '1 month', timestamp '2024-03-31 10:00' - interval '1 month';
SELECT date '2024-01-31' + interval '1 day 2 hours', date '2024-01-31' + time '10:30';
SELECT timestamp '2024-01-02 12:00' - timestamp '2024-01-01 00:00', timestamp '2024-01-01' - timestamp '2024-03-05 06:07:08';
SELECT timestamptz '2024-01-01 10:00+00' - timestamptz '2023-12-30 08:00+00', timestamptz '2024-01-01 10:00+00' + interval '36 hours';
SELECT interval '1 day' * 3, interval '1 mon' * 1.5, interval '1 hour' / 2, 2 * interval '10 minutes';
SELECT interval '1 day' + interval '2 hours', interval '1 day' - interval '2 days', -interval '1 day 02:00';
SELECT time '10:00' + interval '3 hours', time '10:00' - interval '30 minutes';
-- differs: a time and a whole-hours interval are stored alike (`23:00:00`, `02:00:00`): their sum is an interval, not wrapped past midnight
SELECT time '23:00' + interval '2 hours';

-- EXTRACT (numeric) and date_part (double precision).
SELECT extract(year FROM timestamp '2024-03-05 10:11:12.5'), extract(month FROM date '2024-03-05'), extract(day FROM timestamp '2024-03-05 10:11:12');
SELECT extract(second FROM timestamp '2024-03-05 10:11:12.5'), extract(milliseconds FROM timestamp '2024-03-05 10:11:12.5'), extract(microseconds FROM time '10:11:12.5');
SELECT extract(epoch FROM timestamptz '2024-01-01 00:00:00.25+00'), extract(epoch FROM date '2024-01-01'), extract(epoch FROM interval '1 day 02:00');
SELECT extract(dow FROM date '2024-03-03'), extract(isodow FROM date '2024-03-03'), extract(doy FROM date '2024-12-31'), extract(week FROM date '2024-12-30');
SELECT extract(quarter FROM date '2024-08-01'), extract(decade FROM date '2024-08-01'), extract(century FROM date '2001-01-01'), extract(millennium FROM date '2000-12-31');
SELECT extract(hour FROM interval '1 day 05:06:07'), extract(minute FROM interval '05:06:07'), extract(year FROM interval '14 months'), extract(month FROM interval '14 months');
SELECT date_part('year', timestamp '2024-03-05'), date_part('epoch', timestamp '2024-01-01 00:00:00.5'), date_part('hour', time '10:30');
SELECT extract(hour FROM date '2024-03-05');
SELECT extract(fortnight FROM timestamp '2024-03-05');

-- date_trunc, age, make_*, justify_*, to_timestamp.
SELECT date_trunc('month', timestamp '2024-03-05 10:11:12'), date_trunc('week', timestamp '2024-03-07 10:00'), date_trunc('quarter', timestamp '2024-08-15');
SELECT date_trunc('hour', timestamptz '2024-03-05 10:11:12+00'), date_trunc('year', date '2024-03-05'), date_trunc('minute', interval '1 day 02:03:04');
SELECT date_trunc('century', timestamp '2024-03-05'), date_trunc('millennium', timestamp '2024-03-05'), date_trunc('decade', timestamp '2024-03-05');
SELECT age(timestamp '2024-03-05', timestamp '2020-01-10 12:00'), age(timestamp '2020-01-10', timestamp '2024-03-05 06:00'), age(date '2024-02-29', date '2023-03-31');
SELECT make_date(2024, 2, 29), make_time(10, 30, 15.5), make_timestamp(2024, 1, 2, 3, 4, 5.5), make_timestamptz(2024, 1, 2, 3, 4, 5, 'America/New_York');
SELECT make_date(2023, 2, 29);
SELECT make_interval(days => 10, hours => 2), make_interval(1, 2), make_interval(secs => 1.5);
SELECT justify_hours(interval '36 hours'), justify_days(interval '35 days'), justify_interval(interval '1 mon -1 hour');
SELECT to_timestamp(1704067200), to_timestamp(1704067200.5);

-- to_char's common patterns.
SELECT to_char(timestamp '2024-03-05 14:07:09.123456', 'YYYY-MM-DD HH24:MI:SS.US'), to_char(timestamp '2024-03-05 14:07:09', 'Mon DD, YYYY HH12:MI AM');
SELECT to_char(date '2024-03-05', 'FMDay, FMMonth FMDDth YYYY'), to_char(date '2024-03-05', 'Day|Month|DY|dy|D|DDD|IW|Q|WW');
SELECT to_char(timestamp '2024-03-05 00:07:09', 'HH12 am "o''clock" SSSS MS'), to_char(timestamptz '2024-03-05 14:07:09+00', 'HH24:MI TZ OF');

-- Columns: stored canonically, sorted in time order whatever offset was written.
CREATE TABLE time_t (id int PRIMARY KEY, t timestamptz, d date, ts timestamp, tm time, iv interval);
INSERT INTO time_t VALUES (1, '2024-01-01 12:00:00+02', '2024-01-05', '2024-01-01 12:00:00', '10:00', '1 day 2 hours');
INSERT INTO time_t VALUES (2, '2024-01-01 11:00:00', '2024-02-05', '2024-01-01 13:00:00.5+05', '09:30:00.5', '90 minutes');
INSERT INTO time_t VALUES (3, '2023-12-31 23:00:00-05', '2023-12-31', '2023-12-31 23:59', '23:59:59', '-1 mons');
SELECT * FROM time_t ORDER BY t;
SELECT id, t::text, d::text, ts::text, iv::text FROM time_t ORDER BY id;
SELECT id FROM time_t WHERE t > '2024-01-01 10:30:00+00' ORDER BY id;
SELECT id, t + iv, d + 1, ts - interval '1 hour', extract(hour FROM t), date_trunc('day', t) FROM time_t ORDER BY id;
SELECT min(t), max(d), min(ts) FROM time_t;
UPDATE time_t SET t = '2024-06-01 00:00:00+09' WHERE id = 3;
SELECT t FROM time_t WHERE id = 3;
INSERT INTO time_t VALUES (4, 'not a time', NULL, NULL, NULL, NULL);

-- The session's time zone: timestamptz shown, read and computed on its wall clock; AT TIME ZONE converts.
SELECT timestamptz '2024-06-01 12:00:00+00' AT TIME ZONE 'America/New_York', timestamp '2024-06-01 12:00:00' AT TIME ZONE 'Europe/Berlin';
SELECT timestamptz '2024-01-01 12:00:00+00' AT TIME ZONE 'Asia/Kolkata', timestamptz '2024-01-01 12:00:00+00' AT TIME ZONE 'UTC';
SET TIME ZONE 'Europe/Berlin';
SELECT current_setting('TimeZone');
SELECT t, d, ts FROM time_t ORDER BY id;
SELECT t::text, t::date, t::timestamp, extract(hour FROM t), to_char(t, 'HH24:MI TZ') FROM time_t ORDER BY id;
SELECT '2024-07-01 12:00:00'::timestamptz, '2024-01-01 12:00:00'::timestamptz, timestamptz '2024-07-01 12:00:00+00';
SELECT timestamptz '2024-03-30 12:00:00' + interval '1 day', timestamptz '2024-03-30 12:00:00' + interval '24 hours';
SELECT date_trunc('day', timestamptz '2024-03-31 12:00:00'), date_trunc('month', timestamptz '2024-03-31 12:00:00');
SELECT date_trunc('day', timestamptz '2024-03-31 12:00:00+00', 'Asia/Tokyo');
SELECT timestamptz '2024-03-31 02:30:00', timestamptz '2024-10-27 02:30:00';
INSERT INTO time_t VALUES (5, '2024-07-01 12:00:00', '2024-07-01', '2024-07-01 12:00:00', '12:00', '1 mon');
SELECT id, t FROM time_t WHERE id = 5;
SET TIME ZONE 'america/new_york';
SELECT current_setting('TimeZone');
SELECT t FROM time_t WHERE id = 5;
SET TIME ZONE -7;
SELECT timestamptz '2024-01-01 12:00:00+00';
SET TIME ZONE 'Mars/Olympus_Mons';
SET TIME ZONE 'UTC';
SELECT id, t FROM time_t WHERE id = 5;
DROP TABLE time_t;
