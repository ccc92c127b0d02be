package uk.police.mosaic;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Starts an embedded Neo4j 5.26 Community DBMS with a Bolt connector on 127.0.0.1 (auth disabled).
 *
 * <p>Prints exactly one line, {@code NEO4J_TESTSERVER_READY bolt://127.0.0.1:PORT}, to stdout once
 * the server accepts connections; everything else goes to stderr. Shuts down when stdin reaches EOF
 * (unless {@code --no-stdin}) or on SIGTERM/SIGINT.
 */
public final class Main {
    private static final String READY = "NEO4J_TESTSERVER_READY";
    private static final String HOST = "127.0.0.1";

    private static final Object LOCK = new Object();
    private static DatabaseManagementService dbms;
    private static Path tempDir;
    private static boolean stopped;

    private Main() {}

    public static void main(String[] args) {
        // Keep stdout for the READY line only: anything (Neo4j, log4j, ...) printing to System.out
        // is redirected to stderr.
        PrintStream stdout =
                new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);

        int port = 0;
        Path dataDir = null;
        boolean watchStdin = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--data-dir" -> dataDir = Path.of(value(args, ++i, "--data-dir"));
                case "--no-stdin" -> watchStdin = false;
                case "-h", "--help" -> {
                    System.err.println(
                            "usage: Main [--port N (0 = free port)] [--data-dir DIR] [--no-stdin]");
                    System.exit(0);
                }
                default -> fail("unknown argument: " + args[i]);
            }
        }
        if (port < 0 || port > 65535) {
            fail("invalid --port " + port);
        }

        Runtime.getRuntime().addShutdownHook(new Thread(Main::shutdown, "neo4j-testserver-shutdown"));

        HostnamePort bolt;
        try {
            Path home;
            if (dataDir == null) {
                synchronized (LOCK) {
                    tempDir = Files.createTempDirectory("neo4j-testserver-");
                    home = tempDir;
                }
            } else {
                home = dataDir.toAbsolutePath();
                Files.createDirectories(home);
            }
            System.err.println("neo4j-testserver: starting Neo4j in " + home);
            DatabaseManagementService service = new DatabaseManagementServiceBuilder(home)
                    .setUserLogProvider(new Log4jLogProvider(System.err, Level.INFO))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(128))
                    .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold,
                            ByteUnit.mebiBytes(32))
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.preallocate_store_files, false)
                    // Bolt's Netty shutdown otherwise idles 2 x 5 s after the databases stopped.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout,
                            Duration.ofSeconds(2))
                    .build();
            synchronized (LOCK) {
                dbms = service;
            }
            GraphDatabaseService db = service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            if (!db.isAvailable(Duration.ofMinutes(5).toMillis())) {
                throw new IllegalStateException("default database did not become available");
            }
            bolt = ((GraphDatabaseAPI) db)
                    .getDependencyResolver()
                    .resolveDependency(ConnectorPortRegister.class)
                    .getLocalAddress(ConnectorType.BOLT);
            if (bolt == null) {
                throw new IllegalStateException("Bolt connector did not register a local address");
            }
        } catch (Throwable t) {
            System.err.println("neo4j-testserver: failed to start");
            t.printStackTrace(System.err);
            System.exit(1);
            return;
        }

        stdout.println(READY + " bolt://" + HOST + ":" + bolt.getPort());
        stdout.flush();
        System.err.println("neo4j-testserver: ready on bolt://" + HOST + ":" + bolt.getPort());

        if (watchStdin) {
            drain(System.in);
            System.err.println("neo4j-testserver: stdin closed, shutting down");
        } else {
            try {
                new CountDownLatch(1).await(); // until SIGTERM / SIGINT
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        System.exit(0); // the shutdown hook stops Neo4j and removes the temp dir
    }

    private static void drain(InputStream in) {
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) != -1) {
                // ignore input; we only wait for EOF
            }
        } catch (IOException e) {
            System.err.println("neo4j-testserver: stdin error: " + e);
        }
    }

    private static void shutdown() {
        synchronized (LOCK) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (dbms != null) {
                try {
                    dbms.shutdown();
                    System.err.println("neo4j-testserver: Neo4j stopped");
                } catch (Throwable t) {
                    System.err.println("neo4j-testserver: error during shutdown");
                    t.printStackTrace(System.err);
                }
            }
            if (tempDir != null) {
                deleteRecursively(tempDir);
            }
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("neo4j-testserver: could not delete " + p + ": " + e);
                }
            });
        } catch (IOException e) {
            System.err.println("neo4j-testserver: could not delete " + root + ": " + e);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            fail(flag + " needs a value");
        }
        return args[i];
    }

    private static void fail(String message) {
        System.err.println("neo4j-testserver: " + message);
        System.exit(2);
    }
}
