package dev.ferry.runs;

import dev.ferry.state.StateDatabase;
import dev.ferry.support.PostgresServer;

class PostgresStateStoreTest extends StateStoreContract {

    @Override
    protected StateDatabase openFreshState() {
        return StateDatabase.open(PostgresServer.shared().newDatabase(), null, null, 4);
    }
}
