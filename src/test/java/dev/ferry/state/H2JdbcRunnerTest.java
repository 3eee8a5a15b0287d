package dev.ferry.state;

import java.util.UUID;

class H2JdbcRunnerTest extends JdbcRunnerContract {

    @Override
    protected StateDatabase openFreshState() {
        return StateDatabase.open("jdbc:h2:mem:jdbc-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", 2);
    }
}
