package dev.ferry.runs;

import java.util.UUID;

import dev.ferry.state.StateDatabase;

class H2StateStoreTest extends StateStoreContract {

    @Override
    protected StateDatabase openFreshState() {
        return StateDatabase.open("jdbc:h2:mem:state-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", 4);
    }
}
