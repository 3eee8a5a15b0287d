package dev.ferry.sync;

import dev.ferry.support.TestDatabase;

class H2SyncTest extends SyncContract {

    @Override
    protected TestDatabase database() {
        return TestDatabase.H2;
    }
}
