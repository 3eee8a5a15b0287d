-- What a connector's last run saw open on its PostgreSQL source (gather.OpenTransactions): each transaction that was
-- still running then, with the earliest time it can have begun and when it was first seen open. The next run takes
-- over those times; a transaction it finds that is not here began after observed_at. Rows of another server, or of
-- the same one before a restart (source differs), are not taken over.
CREATE TABLE ferry_open_transactions (
    connector    VARCHAR(100)             NOT NULL PRIMARY KEY,
    -- the source database and its server's start: "<database> <pg_postmaster_start_time()>"
    source       VARCHAR(500)             NOT NULL,
    observed_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    -- a line per open transaction: "<key> <xid or -> <since, epoch µs> <seen, epoch µs>"
    transactions VARCHAR(1000000)         NOT NULL
);
