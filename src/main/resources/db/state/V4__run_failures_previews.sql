-- Each record that finally failed in a run, with its error: what one run shows as its failed records.
-- (ferry_failure keeps only the latest failure of a key; this keeps every run's own.)
CREATE TABLE ferry_run_failure (
    run_id          BIGINT                   NOT NULL,
    record_key      VARCHAR(500)             NOT NULL,
    connector       VARCHAR(100)             NOT NULL,
    record_version  VARCHAR(100),
    http_status     INTEGER,
    error           VARCHAR(4000)            NOT NULL,
    failed_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (run_id, record_key)
);

-- The position a preview run gathered up to. Its records wait in the connector's staging queue; when an
-- operator submits the preview they move to the sync queue and this becomes the connector's watermark.
CREATE TABLE ferry_preview (
    run_id          BIGINT                   NOT NULL PRIMARY KEY,
    connector       VARCHAR(100)             NOT NULL,
    format_version  INTEGER,
    cursor_type     VARCHAR(32),
    cursor_value    VARCHAR(100),
    key_type        VARCHAR(32),
    key_value       VARCHAR(500),
    staged_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX ferry_run_ended ON ferry_run (ended_at);
CREATE INDEX ferry_failure_resolved ON ferry_failure (status, resolved_at);
