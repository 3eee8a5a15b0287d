package dev.ferry.support;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** A database the contract tests run on: a fresh, empty one for each use. */
public interface TestDatabase {

    String name();

    /** JDBC URL of a new empty database (user included where it needs one). */
    String newDatabase(Path dir);

    /** The user the URL's database expects in Ferry's {@code username} options. */
    String user();

    TestDatabase H2 = new TestDatabase() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public String name() {
            return "H2";
        }

        @Override
        public String newDatabase(Path dir) {
            return "jdbc:h2:file:" + dir.resolve("db-" + count.incrementAndGet()) + ";DB_CLOSE_ON_EXIT=FALSE";
        }

        @Override
        public String user() {
            return "sa";
        }
    };

    TestDatabase POSTGRESQL = new TestDatabase() {
        @Override
        public String name() {
            return "PostgreSQL";
        }

        @Override
        public String newDatabase(Path dir) {
            return PostgresServer.shared().newDatabase();
        }

        @Override
        public String user() {
            return "ferry";
        }
    };
}
