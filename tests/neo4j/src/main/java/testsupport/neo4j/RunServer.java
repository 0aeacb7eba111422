package testsupport.neo4j;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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
 * A throw-away Neo4j 5.26 server for tests: an embedded Community DBMS with Bolt on
 * 127.0.0.1, authentication disabled, no HTTP, and its whole home (store, transaction logs,
 * debug.log) in a fresh temporary directory that is deleted at exit.
 *
 * <p>The first line on standard output is the Bolt URI ({@code bolt://127.0.0.1:PORT});
 * nothing else is ever written to standard output (all other output goes to standard error).
 * The server then serves until it is sent SIGTERM or SIGINT, and shuts down cleanly.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code --port N}: Bolt port (default 0: a free one is picked).</li>
 *   <li>{@code --exit-on-stdin-eof}: also shut down when standard input reaches end of file, so
 *       the server dies with the process that started it through a pipe. Do not use it when
 *       standard input is /dev/null or closed: the server would stop at once.</li>
 *   <li>{@code --home DIR}: serve the DBMS home DIR (e.g. one {@code neo4j-admin database import}
 *       filled: its store is {@code DIR/data/databases/neo4j}) instead of a fresh temporary one;
 *       it is kept at exit.</li>
 * </ul>
 */
public final class RunServer {
    private static final String DATABASE = GraphDatabaseSettings.DEFAULT_DATABASE_NAME;
    private static final String HOME_PREFIX = "neo4j-test-server-";
    private static final String OWNER_LOCK = "owner.lock";
    /** Static, so that the channel (and its lock) is never garbage-collected. */
    private static FileChannel ownerLock;

    private RunServer() {}

    public static void main(String[] args) throws Exception {
        int port = 0;
        boolean exitOnStdinEof = false;
        Path givenHome = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--exit-on-stdin-eof" -> exitOnStdinEof = true;
                case "--home" -> givenHome = Path.of(args[++i]).toAbsolutePath();
                default -> {
                    System.err.println("usage: RunServer [--port N] [--exit-on-stdin-eof] [--home DIR]");
                    System.exit(2);
                }
            }
        }

        // Keep the real stdout for the URI line only; anything that libraries print goes to
        // stderr, so that the URI is guaranteed to be the first line of stdout.
        PrintStream uriOut = new PrintStream(
                new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);

        sweepStaleHomes();
        final boolean keepHome = givenHome != null;
        Path home = keepHome ? Files.createDirectories(givenHome) : Files.createTempDirectory(HOME_PREFIX);
        if (!keepHome) {
            // Held until this JVM dies (even by SIGKILL), so that a later server can tell a
            // leftover home from one in use and delete it.
            ownerLock = FileChannel.open(home.resolve(OWNER_LOCK),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            ownerLock.lock();
        }
        Log4jLogProvider userLog = new Log4jLogProvider(System.err, Level.WARN);
        AtomicReference<DatabaseManagementService> started = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                DatabaseManagementService running = started.get();
                if (running != null) {
                    running.shutdown();
                }
            } catch (Throwable e) {
                System.err.println("neo4j-test-server: shutdown failed: " + e);
            } finally {
                userLog.close();
                if (!keepHome) {
                    deleteRecursively(home);
                }
                stopped.countDown();
            }
        }, "neo4j-test-server-shutdown"));

        DatabaseManagementService dbms = null;
        // With --port 0, pick a free port here rather than letting Neo4j bind port 0, so that the
        // advertised address (used in routing tables for neo4j:// URIs) has the real port. Another
        // process may grab the port in between, so retry a few times on failure.
        // A given home is never cleaned for a retry: one attempt.
        int attempts = port == 0 && !keepHome ? 5 : 1;
        for (int attempt = 1; dbms == null; attempt++) {
            int boltPort = port == 0 ? freePort() : port;
            try {
                dbms = start(home, userLog, boltPort);
            } catch (Throwable e) {
                if (attempt >= attempts) {
                    System.err.println("neo4j-test-server: could not start Neo4j:");
                    e.printStackTrace();
                    System.exit(1);
                }
                System.err.println("neo4j-test-server: start on port " + boltPort + " failed ("
                        + e + "), retrying on another port");
                deleteRecursively(home.resolve("data"));
                deleteRecursively(home.resolve("logs"));
            }
        }
        final DatabaseManagementService service = dbms;
        started.set(service);

        GraphDatabaseService db = service.database(DATABASE);
        if (!db.isAvailable(TimeUnit.MINUTES.toMillis(5))) {
            System.err.println("neo4j-test-server: database " + DATABASE + " did not become available");
            System.exit(1);
        }
        HostnamePort bolt = ((GraphDatabaseAPI) db).getDependencyResolver()
                .resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT);
        if (bolt == null) {
            System.err.println("neo4j-test-server: Bolt connector did not start");
            System.exit(1);
        }

        uriOut.println("bolt://127.0.0.1:" + bolt.getPort());
        uriOut.flush();
        System.err.println("neo4j-test-server: Neo4j " + neo4jVersion() + " serving bolt://127.0.0.1:"
                + bolt.getPort() + " (auth disabled), home " + home);

        if (exitOnStdinEof) {
            Thread watcher = new Thread(() -> {
                try (InputStream in = System.in) {
                    byte[] buf = new byte[256];
                    while (in.read(buf) >= 0) {
                        // discard
                    }
                } catch (IOException ignored) {
                    // treat as end of input
                }
                System.err.println("neo4j-test-server: stdin closed, shutting down");
                System.exit(0);
            }, "neo4j-test-server-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }

        // Serve until a signal (or System.exit) runs the shutdown hook.
        stopped.await();
    }

    private static DatabaseManagementService start(Path home, Log4jLogProvider userLog, int port) {
        SocketAddress bolt = new SocketAddress("127.0.0.1", port);
        return new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(userLog)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCacheBytes())
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.preallocate_store_files, false)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(2))
                // Netty's graceful shutdown waits a 5 s "quiet period" twice (boss and worker
                // event loops) by default: 10 s for every stop of a test server.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5))
                .build();
    }

    /** The page cache size: $NEO4J_TEST_SERVER_PAGECACHE (e.g. {@code 512m}), else 64 MiB. */
    private static long pageCacheBytes() {
        String size = System.getenv("NEO4J_TEST_SERVER_PAGECACHE");
        return size == null || size.isBlank() ? ByteUnit.mebiBytes(64) : ByteUnit.parse(size.strip());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }

    private static String neo4jVersion() {
        Package p = DatabaseManagementService.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "5.26" : v;
    }

    /**
     * Deletes the homes that servers killed by SIGKILL left behind in the temporary directory:
     * those at least a minute old whose owner lock no process holds.
     */
    private static void sweepStaleHomes() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long cutoff = System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(1);
        try (DirectoryStream<Path> homes = Files.newDirectoryStream(tmp, HOME_PREFIX + "*")) {
            for (Path home : homes) {
                try {
                    if (!Files.isDirectory(home, LinkOption.NOFOLLOW_LINKS)
                            || Files.getLastModifiedTime(home).toMillis() > cutoff) {
                        continue;
                    }
                    Path lock = home.resolve(OWNER_LOCK);
                    if (!Files.exists(lock)) {
                        deleteRecursively(home);
                        continue;
                    }
                    try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE);
                            FileLock held = channel.tryLock()) {
                        if (held == null) {
                            continue; // a live server owns it
                        }
                    } catch (OverlappingFileLockException e) {
                        continue;
                    }
                    System.err.println("neo4j-test-server: deleting stale " + home);
                    deleteRecursively(home);
                } catch (IOException e) {
                    // not ours to worry about
                }
            }
        } catch (IOException e) {
            // no sweep this time
        }
    }

    private static void deleteRecursively(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("neo4j-test-server: could not delete " + root + ": " + e);
        }
    }
}
