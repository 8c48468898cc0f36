SET LOCAL lock_timeout = '10s';
DROP TABLE photo_uploads;
