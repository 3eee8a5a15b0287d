-- The Ferry instances that use this state database, one row per instance name. Each instance beats here every
-- ferry.instance.heartbeat-interval; the others take it for gone when its beat count stands still for
-- ferry.instance.lease by their own clocks (no two machines' clocks are ever compared), or when it stopped.
CREATE TABLE ferry_instance (
    name            VARCHAR(200)             NOT NULL PRIMARY KEY,
    host            VARCHAR(200)             NOT NULL,
    version         VARCHAR(50)              NOT NULL,
    -- a new token at every start: two processes that share a name would overwrite each other's beats
    incarnation     VARCHAR(36)              NOT NULL,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    -- counts up at every beat
    beats           BIGINT                   NOT NULL,
    -- the database's time of the last beat, for people reading the table
    beat_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    -- set by a clean stop; a killed instance leaves it empty
    stopped_at      TIMESTAMP WITH TIME ZONE
);

-- The instance that gathered the run.
ALTER TABLE ferry_run ADD COLUMN gathered_by VARCHAR(200);

-- What each instance delivered and failed of a run's records (competing consumers share a run's queue).
CREATE TABLE ferry_run_delivery (
    run_id          BIGINT                   NOT NULL,
    instance        VARCHAR(200)             NOT NULL,
    delivered       BIGINT                   NOT NULL,
    failed          BIGINT                   NOT NULL,
    PRIMARY KEY (run_id, instance)
);
