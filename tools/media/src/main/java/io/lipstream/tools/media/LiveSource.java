package io.lipstream.tools.media;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A media location as an operator types it: a live URL FFmpeg reads ({@code srt://}, {@code
 * rtmp://}, {@code rtsp://}, {@code udp://}, {@code http(s)://} ...) or a file. Kept as the string
 * typed: a URL must never go through {@link java.nio.file.Path}, which collapses {@code srt://host}
 * to {@code srt:/host}.
 */
public record LiveSource(String location, String scheme) {
    /** Schemes of live sources and sinks that javacv's FFmpeg 8.1 build opens. */
    public static final Set<String> SCHEMES =
            Set.of(
                    "srt", "rtmp", "rtmps", "rtmpt", "rtsp", "rtsps", "udp", "rtp", "tcp", "http",
                    "https");

    private static final Pattern URL = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*");

    /**
     * Parses what the operator typed.
     *
     * @throws MediaException for a URL whose scheme FFmpeg cannot open here
     */
    public static LiveSource of(String location) {
        if (!URL.matcher(location).matches()) {
            return new LiveSource(location, null);
        }
        String scheme = location.substring(0, location.indexOf(':')).toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(scheme)) {
            throw new MediaException(
                    "unsupported URL scheme '"
                            + scheme
                            + "' in "
                            + location
                            + ": expected one of "
                            + SCHEMES.stream().sorted().toList()
                            + " or a file");
        }
        try {
            URI uri = new URI(location);
            if (uri.getHost() == null && !"udp".equals(scheme) && !"rtp".equals(scheme)) {
                throw new MediaException(
                        "no host in " + location + ": expected SCHEME://HOST:PORT");
            }
        } catch (URISyntaxException e) {
            throw new MediaException("not a valid URL: " + location + " (" + e.getReason() + ")");
        }
        return new LiveSource(location, scheme);
    }

    /** Whether this is a live URL rather than a file. */
    public boolean live() {
        return scheme != null;
    }

    /** Whether the URL asks to wait for the peer to connect (listener) instead of calling it. */
    public boolean listener() {
        String lower = location.toLowerCase(Locale.ROOT);
        return lower.contains("mode=listener")
                || lower.contains("listen=1")
                || lower.matches(".*[?&]listen(&.*|$)");
    }

    /**
     * Whether FFmpeg opens this URL as a byte stream (its I/O layer: SRT, UDP, TCP, RTMP, HTTP)
     * rather than as a session of its own demuxer (RTSP, RTP).
     */
    public boolean byteStream() {
        return live() && !scheme.startsWith("rtsp") && !scheme.equals("rtp");
    }

    /**
     * The URL to hand FFmpeg: an RTMP listener's {@code listen=1} is an option there, not part of
     * the URL (the RTMP protocol would take it for the stream key).
     */
    public String openUrl() {
        if (!rtmp() || !listener()) {
            return location;
        }
        return location.replaceAll("[?&]listen(=1)?(?=&|$)", "").replaceFirst("^([^?]*)&", "$1?");
    }

    private boolean rtmp() {
        return scheme != null && scheme.startsWith("rtmp");
    }

    /**
     * Protocol options that bound how long opening ({@code connect}: a listener waiting for its
     * caller, a caller's handshake) and each read ({@code read}) may block, so a source that never
     * comes or stalls ends a wait instead of hanging. Each protocol names and scales its timeouts
     * differently.
     */
    public Map<String, String> protocolOptions(Duration connect, Duration read) {
        Map<String, String> options = new LinkedHashMap<>();
        if (!live()) {
            return options;
        }
        String connectMicros = Long.toString(Math.max(1, connect.toNanos() / 1000));
        String readMicros = Long.toString(read.toNanos() / 1000);
        // Generic: any single read or write through FFmpeg's I/O layer.
        options.put("rw_timeout", readMicros);
        switch (scheme) {
            case "srt" -> {
                options.put("listen_timeout", connectMicros);
                options.put("timeout", readMicros);
            }
            case "rtmp", "rtmps", "rtmpt" -> {
                if (listener()) {
                    options.put("listen", "1");
                    // Seconds to wait for the publisher to connect.
                    options.put("timeout", Long.toString(Math.max(1, connect.toSeconds())));
                }
            }
            case "rtsp", "rtsps", "udp", "rtp", "tcp" -> options.put("timeout", readMicros);
            default -> {}
        }
        return options;
    }

    /** Demuxer options of a live source: start decoding after half a second of probing. */
    public Map<String, String> demuxOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("analyzeduration", "500000");
        options.put("probesize", "500000");
        return options;
    }
}
