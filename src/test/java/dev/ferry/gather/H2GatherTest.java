package dev.ferry.gather;

import dev.ferry.support.TestDatabase;

class H2GatherTest extends GatherContract {

    @Override
    protected TestDatabase database() {
        return TestDatabase.H2;
    }
}
