-- The key registry (runs.KeyRegistry) of each connector that keeps one: every record key Ferry queued for delivery,
-- with a hash of the record's content as queued. A full refresh delivers only records whose hash differs (or whose key
-- is new) and delivers keys that are here but gone from the source as deletes.
--
-- A run stages what it queued in pending_run and pending_hash (a NULL pending_hash: the key was queued as a delete);
-- the run's submit promotes its staged rows in the transaction that moves the watermark, so the registry, like the
-- watermark, never gets ahead of the sync queue. A row whose content_hash is NULL was staged by a run that never
-- submitted: it is not registered.
CREATE TABLE ferry_key_registry (
    connector     VARCHAR(100) NOT NULL,
    record_key    VARCHAR(500) NOT NULL,
    content_hash  BIGINT,
    run_id        BIGINT,
    pending_run   BIGINT,
    pending_hash  BIGINT,
    PRIMARY KEY (connector, record_key)
);
CREATE INDEX ferry_key_registry_pending ON ferry_key_registry (pending_run);

-- What a run read: INCREMENTAL (changes after the watermark) or FULL (every row); and what a full refresh found.
ALTER TABLE ferry_run ADD COLUMN refresh VARCHAR(16) NOT NULL DEFAULT 'INCREMENTAL';
ALTER TABLE ferry_run ADD COLUMN unchanged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ferry_run ADD COLUMN deleted BIGINT NOT NULL DEFAULT 0;
