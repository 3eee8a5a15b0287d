package dev.ferry.state;

import dev.ferry.support.PostgresServer;

class PostgresJdbcRunnerTest extends JdbcRunnerContract {

    @Override
    protected StateDatabase openFreshState() {
        return StateDatabase.open(PostgresServer.shared().newDatabase(), null, null, 2);
    }
}
