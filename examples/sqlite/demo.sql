-- examples/sqlite/demo.sql: put on the FAT volume by the boot test and by scripts/run.sh sqlite,
-- and run by SQLite's shell on seL4 against /kaal.db; /inserts.sql beside it holds 10,000
-- INSERT statements (make-inserts.sh). tests/boot/sqlite.expect checks every result, and
-- tests/posix/sqlite-boot.sh the database again on Linux afterwards.
.bail on
.mode list
SELECT 'sqlite ' || sqlite_version() || ' on seL4';
DROP TABLE IF EXISTS readings;
CREATE TABLE readings (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value INTEGER NOT NULL);
-- 10,000 INSERT statements in one transaction, timed with SQLite's clock (the VFS's current
-- time: gettimeofday, from the time service), to the millisecond.
CREATE TEMP TABLE started AS SELECT julianday('now') AS at;
BEGIN;
.read /inserts.sql
COMMIT;
SELECT printf('10000 inserts in one transaction: %.3f s', (julianday('now') - at) * 86400)
  FROM started;
SELECT 'rows: ' || count(*) || ', sum: ' || sum(value) FROM readings;
SELECT sensor || ' ' || count(*) || ' ' || max(value) FROM readings GROUP BY sensor ORDER BY sensor LIMIT 3;
CREATE INDEX readings_value ON readings (value);
SELECT 'between 100 and 199: ' || count(*) FROM readings WHERE value BETWEEN 100 AND 199;
SELECT 'median: ' || value FROM readings ORDER BY value LIMIT 1 OFFSET 5000;
UPDATE readings SET value = value + 1 WHERE sensor = 'sensor-3';
SELECT 'after update: ' || sum(value) FROM readings;
PRAGMA integrity_check;
SELECT 'done';
