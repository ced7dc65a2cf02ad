package io.lipstream.tools.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP side, on the JDK's own server: the page and its scripts (hls.js included, from
 * the jar), {@code /api/state} (streams, dead letters, Kafka and job health, polled by the page),
 * {@code /api/history} (a stream's latency and lip-synced share) and the HLS of each stream's
 * dubbed output and original input.
 */
final class ConsoleServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
    private static final String WEB = "/io/lipstream/tools/console/web/";

    /** Static files the page needs, with their content types; nothing else is served from WEB. */
    private static final Map<String, String> STATIC =
            Map.of(
                    "index.html", "text/html; charset=utf-8",
                    "console.js", "text/javascript; charset=utf-8",
                    "console.css", "text/css; charset=utf-8",
                    "hls.min.js", "text/javascript; charset=utf-8");

    /** Ports tried from the asked one when it is busy. */
    private static final int PORTS_TRIED = 20;

    private static final int HTTP_THREADS = 4;
    private static final Duration DEFAULT_HISTORY = Duration.ofMinutes(5);
    private static final String M3U8 = "application/vnd.apple.mpegurl";
    private static final String TS = "video/mp2t";

    private final OperatorConsole console;
    private final HttpServer server;
    private final ExecutorService threads;
    private final ObjectMapper json = new ObjectMapper();

    private ConsoleServer(OperatorConsole console, HttpServer server, ExecutorService threads) {
        this.console = console;
        this.server = server;
        this.threads = threads;
    }

    /** Serves on {@code host:port} (0: any free port; busy: the next free one). */
    static ConsoleServer start(OperatorConsole console, String host, int port) throws IOException {
        HttpServer server = bind(host, port);
        ExecutorService threads =
                Executors.newFixedThreadPool(
                        HTTP_THREADS,
                        r -> {
                            Thread t = new Thread(r, "console-http");
                            t.setDaemon(true);
                            return t;
                        });
        ConsoleServer s = new ConsoleServer(console, server, threads);
        server.setExecutor(threads);
        server.createContext("/", s::handle);
        server.start();
        return s;
    }

    private static HttpServer bind(String host, int port) throws IOException {
        int last = port == 0 ? 0 : Math.min(65535, port + PORTS_TRIED - 1);
        BindException busy = null;
        for (int p = port; p <= last; p++) {
            try {
                return HttpServer.create(new InetSocketAddress(host, p), 0);
            } catch (BindException e) {
                busy = e;
            }
        }
        throw new IOException(
                "expected a free port from "
                        + port
                        + " to "
                        + last
                        + " on "
                        + host
                        + ", found none",
                busy);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, "text/plain", "GET only".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            if (path.equals("/")) {
                resource(exchange, "index.html");
            } else if (path.startsWith("/static/")) {
                resource(exchange, path.substring("/static/".length()));
            } else if (path.equals("/api/state")) {
                sendJson(exchange, state());
            } else if (path.equals("/api/history")) {
                Duration window =
                        Duration.ofMinutes(
                                Long.parseLong(
                                        query.getOrDefault(
                                                "minutes",
                                                String.valueOf(DEFAULT_HISTORY.toMinutes()))));
                sendJson(
                        exchange,
                        console.board()
                                .history(
                                        query.getOrDefault("stream", ""),
                                        System.currentTimeMillis(),
                                        window));
            } else if (path.startsWith("/hls/")) {
                hls(exchange, path.substring("/hls/".length()), query);
            } else {
                notFound(exchange);
            }
        } catch (NumberFormatException e) {
            send(exchange, 400, "text/plain", e.getMessage().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.debug("console request failed: {}", e.toString()); // the page went away
        } catch (RuntimeException e) {
            LOG.warn("console request failed", e);
            send(exchange, 500, "text/plain", e.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code dubbed.m3u8}, {@code original.m3u8}, {@code dubbed.ts}, {@code original.ts} with
     * {@code stream} (and {@code seq} for a segment) as query parameters: a stream id may hold any
     * character.
     */
    private void hls(HttpExchange exchange, String file, Map<String, String> query)
            throws IOException {
        String stream = query.get("stream");
        if (stream == null) {
            notFound(exchange);
            return;
        }
        long now = System.currentTimeMillis();
        String encoded = URLEncoder.encode(stream, StandardCharsets.UTF_8);
        switch (file) {
            case "dubbed.m3u8" -> {
                LongFunction<String> uri = i -> "/hls/dubbed.ts?stream=" + encoded + "&seq=" + i;
                playlist(exchange, console.dubbed(stream).flatMap(w -> w.playlist(uri)));
            }
            case "original.m3u8" -> {
                LongFunction<String> uri = i -> "/hls/original.ts?stream=" + encoded + "&seq=" + i;
                playlist(exchange, console.originals().playlist(stream, now, uri));
            }
            case "dubbed.ts" -> {
                long seq = Long.parseLong(query.getOrDefault("seq", "-1"));
                segment(exchange, console.dubbed(stream).flatMap(w -> w.segment(seq)));
            }
            case "original.ts" -> {
                long seq = Long.parseLong(query.getOrDefault("seq", "-1"));
                segment(exchange, console.originals().segment(stream, seq, now));
            }
            default -> notFound(exchange);
        }
    }

    private void playlist(HttpExchange exchange, Optional<String> m3u8) throws IOException {
        if (m3u8.isEmpty()) {
            // No segment yet: the page retries; hls.js treats 404 on a live playlist as a retry.
            notFound(exchange);
            return;
        }
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, 200, M3U8, m3u8.get().getBytes(StandardCharsets.UTF_8));
    }

    private void segment(HttpExchange exchange, Optional<HlsWindow.Segment> segment)
            throws IOException {
        if (segment.isEmpty()) {
            notFound(exchange);
            return;
        }
        send(exchange, 200, TS, segment.get().data());
    }

    /** The page's data: health of Kafka and the job, every stream, the recent dead letters. */
    private Map<String, Object> state() {
        long now = System.currentTimeMillis();
        ConsoleSettings settings = console.settings();
        Map<String, Object> kafka = new LinkedHashMap<>();
        kafka.put("bootstrapServers", settings.kafka().bootstrapServers());
        kafka.put("problem", console.kafkaProblem());
        Map<String, Object> flink = new LinkedHashMap<>();
        flink.put("configured", settings.flinkUrl() != null);
        flink.put("dashboardUrl", settings.flinkUrl());
        flink.put("status", console.job());
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("nowMillis", now);
        state.put("kafka", kafka);
        state.put("flink", flink);
        state.put("grafanaUrl", settings.grafanaUrl());
        List<StreamBoard.StreamView> streams = console.board().streams(now);
        state.put("streams", streams);
        Map<String, Boolean> playable = new HashMap<>();
        for (StreamBoard.StreamView s : streams) {
            playable.put(
                    s.streamId(),
                    console.dubbed(s.streamId()).map(w -> !w.isEmpty()).orElse(false));
        }
        state.put("dubbedPlayable", playable);
        state.put("deadLetters", console.board().deadLetters(now));
        return state;
    }

    private void resource(HttpExchange exchange, String name) throws IOException {
        String type = STATIC.get(name);
        if (type == null) {
            notFound(exchange);
            return;
        }
        try (InputStream in = ConsoleServer.class.getResourceAsStream(WEB + name)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + name + " is not in the jar");
            }
            send(exchange, 200, type, in.readAllBytes());
        }
    }

    private void sendJson(HttpExchange exchange, Object body) throws IOException {
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, 200, "application/json", json.writeValueAsBytes(body));
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw == null) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(
                    URLDecoder.decode(key, StandardCharsets.UTF_8),
                    URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return params;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
