-- Packed messages of a sync queue (many single records in one broker message) that a delivery lane gave back
-- half-delivered because it closed — a toggle, a reload, a stop: how many of the message's records were
-- delivered, so that when the message comes again delivery goes on after them instead of sending them twice. The
-- outcomes of those records count then. A row is taken (deleted) when its message comes again.
CREATE TABLE ferry_pack_progress (
    connector       VARCHAR(200)             NOT NULL,
    -- SHA-256 (hex) of the message's idempotency keys: the same records in the same order
    pack            VARCHAR(64)              NOT NULL,
    run_id          BIGINT                   NOT NULL,
    -- records done from the start of the message, and their outcomes
    done            INTEGER                  NOT NULL,
    delivered       INTEGER                  NOT NULL,
    failed          INTEGER                  NOT NULL,
    saved_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (connector, pack)
);
