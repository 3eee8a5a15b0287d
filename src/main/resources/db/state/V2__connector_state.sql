-- Per connector, what operators and schedules change at run time; survives restarts.
CREATE TABLE ferry_connector (
    connector        VARCHAR(100)             NOT NULL PRIMARY KEY,
    -- false: no runs start and its queued records wait, until it is enabled again
    enabled          BOOLEAN                  NOT NULL,
    -- when it was (re)activated; scheduled runs and missed fires count from here
    activated_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    -- runs started by its schedule since activation (for end-after-runs)
    scheduled_runs   INTEGER                  NOT NULL,
    -- set when an end condition was reached: no scheduled runs until it is activated again
    ended_at         TIMESTAMP WITH TIME ZONE,
    ended_reason     VARCHAR(500),
    -- the last scheduled fire it handled (to find fires missed while Ferry was stopped)
    last_fire_at     TIMESTAMP WITH TIME ZONE,
    -- fires that came while its previous run was still processing
    skipped_fires    BIGINT                   NOT NULL,
    last_skipped_at  TIMESTAMP WITH TIME ZONE,
    changed_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    changed_by       VARCHAR(100)             NOT NULL
);
