package dev.ferry.sync;

import dev.ferry.support.TestDatabase;

class PostgresSyncTest extends SyncContract {

    @Override
    protected TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
