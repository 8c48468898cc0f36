SET LOCAL lock_timeout = '10s';
GRANT turns_definer TO CURRENT_USER;
ALTER PUBLICATION electric_publication DROP TABLE photos;
DROP TABLE photos;
DROP FUNCTION photo_gone();
DROP FUNCTION photo_property();
DROP TABLE photo_blobs_gone;
REVOKE turns_definer FROM CURRENT_USER;
