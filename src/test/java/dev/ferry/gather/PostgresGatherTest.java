package dev.ferry.gather;

import dev.ferry.support.TestDatabase;

class PostgresGatherTest extends GatherContract {

    @Override
    protected TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
