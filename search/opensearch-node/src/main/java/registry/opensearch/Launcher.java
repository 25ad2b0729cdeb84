package registry.opensearch;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * A real single-node OpenSearch in one JVM, for tests and benchmarks (scripts/opensearch).
 *
 * <p>Arguments are settings, {@code key=value}; {@code path.home} is required. The modules a
 * distribution would load from its modules/ folder are classpath plugins here: HTTP and
 * transport (Netty 4), the analysis chain (ngram, asciifolding, ...) and Painless. Once the
 * node answers, its HTTP URL is written to {@code <path.home>/url} and printed.
 */
public final class Launcher {
    static final List<Class<? extends Plugin>> PLUGINS =
        List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class);

    /** Node's constructor with a plugin list is protected (the test framework's MockNode does the same). */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment) {
            super(environment, PLUGINS, true);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder()
            .put("cluster.name", "registry-test")
            .put("node.name", "node-0")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", "0")
            .put("transport.port", "0")
            // A nearly full disk must not turn indices read-only under a test run.
            .put("cluster.routing.allocation.disk.threshold_enabled", false);
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got " + arg);
            }
            builder.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Settings settings = builder.build();
        Path home = Path.of(settings.get("path.home", ""));
        if (!settings.hasValue("path.home")) {
            throw new IllegalArgumentException("path.home=... is required");
        }
        Files.createDirectories(home.resolve("config"));
        Files.deleteIfExists(home.resolve("url"));
        if (!settings.hasValue("path.logs")) {
            settings = Settings.builder().put(settings).put("path.logs", home.resolve("logs").toString()).build();
        }
        Path config = home.resolve("config");
        try (InputStream in = Launcher.class.getResourceAsStream("/log4j2.properties")) {
            Files.copy(in, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), config, () -> "node-0");
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName("node-0");
        LogConfigurator.configure(environment);
        Node node = new ClasspathNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "opensearch-shutdown"));
        node.start();
        // OPENSEARCH_PARENT_PID: stop with that process (a test run or benchmark that was
        // killed before it could run `scripts/opensearch stop` leaves no node behind).
        String parent = System.getenv("OPENSEARCH_PARENT_PID");
        if (parent != null && !parent.isBlank()) {
            ProcessHandle.of(Long.parseLong(parent.trim())).ifPresentOrElse(
                handle -> handle.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
        }

        TransportAddress bound = node.injector().getInstance(HttpServerTransport.class)
            .boundAddress().publishAddress();
        String url = "http://" + bound.getAddress() + ":" + bound.getPort();
        Path tmp = home.resolve("url.tmp");
        Files.writeString(tmp, url + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, home.resolve("url"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("opensearch-node listening on " + url);
        System.out.flush();
        stopped.await();
    }
}
