package io.lipstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lipstream.cli.OptionsReference;
import io.lipstream.connectors.kafka.KafkaOptions;
import io.lipstream.job.options.FacesOptions;
import io.lipstream.job.options.InferenceOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Checks the deployment manifests under {@code deploy/} against the code they configure.
 *
 * <p>Every YAML file parses, and so does the Grafana dashboard (its JSON is read with the same YAML
 * parser: JSON without tabs is YAML). Every lipstream option ({@code kafka.}, {@code inference.},
 * {@code alignment.}, {@code faces.}, {@code segments.}, {@code job.}) set in the FlinkDeployment
 * or in the compose stack's Flink properties is one the job defines ({@link
 * OptionsReference#all()}); the Strimzi topics and the compose stack's topics are the job's default
 * topics; the main class both deployments name exists. The metrics the monitoring files query are
 * checked against a live demo by {@link MonitoringOnDemoRunTest}.
 *
 * <p>Assumes the working directory is inside the repository (Surefire runs in the module folder).
 */
class DeploymentManifestsTest {
    /** Prefixes of the job's own options; other keys are Flink's. */
    private static final List<String> LIPSTREAM_PREFIXES =
            List.of("kafka.", "inference.", "alignment.", "faces.", "segments.", "job.");

    /** The Kubernetes operator's autoscaler options share the job. prefix without being ours. */
    private static final String OPERATOR_AUTOSCALER_PREFIX = "job.autoscaler.";

    private static final String MAIN_CLASS_FLAG = "--job-classname";

    private final Path root = Repository.root();
    private final Path deploy = root.resolve("deploy");

    @Test
    void shouldParseEveryYamlAndJsonFileUnderDeploy() throws IOException {
        List<Path> files = files(deploy, ".yaml", ".yml", ".json");
        assertFalse(files.isEmpty(), "no manifests found under " + deploy);
        for (Path file : files) {
            List<Object> documents = loadAll(file);
            assertFalse(documents.isEmpty(), file + " holds no document");
            for (Object document : documents) {
                assertNotNull(document, file + " holds an empty document");
            }
        }
    }

    @Test
    void shouldSetOnlyOptionsTheJobDefinesInTheFlinkDeployment() throws IOException {
        Map<String, String> config = flinkDeploymentConfiguration();

        assertEquals(Set.of(), unknownLipstreamOptions(config.keySet()));
        assertTrue(
                config.containsKey(InferenceOptions.MODEL.key()),
                "ClusterJob refuses to start without " + InferenceOptions.MODEL.key());
        assertTrue(
                config.containsKey(KafkaOptions.BOOTSTRAP_SERVERS.key()),
                "without " + KafkaOptions.BOOTSTRAP_SERVERS.key() + " the job has no Kafka");
    }

    @Test
    void shouldSetOnlyOptionsTheJobDefinesInTheComposeStack() throws IOException {
        Map<String, Map<String, String>> properties = composeFlinkProperties();
        assertFalse(properties.isEmpty(), "no service of compose.yaml sets FLINK_PROPERTIES");

        for (Map.Entry<String, Map<String, String>> service : properties.entrySet()) {
            Set<String> keys = service.getValue().keySet();
            assertEquals(Set.of(), unknownLipstreamOptions(keys), "service " + service.getKey());
            assertTrue(
                    keys.contains(InferenceOptions.MODEL.key()),
                    "service "
                            + service.getKey()
                            + " does not set "
                            + InferenceOptions.MODEL.key());
        }
    }

    @Test
    void shouldNameAMainClassThatExistsInBothDeployments() throws IOException {
        Map<String, Object> job =
                map(map(single(deploy.resolve("k8s/flinkdeployment.yaml")).get("spec")).get("job"));
        assertMainClassExists(String.valueOf(job.get("entryClass")), "flinkdeployment.yaml");

        String command = String.valueOf(composeServices().get("jobmanager").get("command"));
        List<String> words = List.of(command.trim().split("\\s+"));
        int flag = words.indexOf(MAIN_CLASS_FLAG);
        assertTrue(flag >= 0 && flag + 1 < words.size(), "jobmanager command: " + command);
        assertMainClassExists(words.get(flag + 1), "compose.yaml");
    }

    @Test
    void shouldDeclareExactlyTheJobsDefaultTopicsInStrimzi() throws IOException {
        Set<String> declared = new TreeSet<>();
        for (Object document : loadAll(deploy.resolve("k8s/topics.yaml"))) {
            Map<String, Object> topic = map(document);
            assertEquals("KafkaTopic", topic.get("kind"));
            declared.add(String.valueOf(map(topic.get("spec")).get("topicName")));
        }

        assertEquals(defaultTopics(), declared);
    }

    @Test
    void shouldCreateTheJobsDefaultTopicsInTheComposeStack() throws IOException {
        String init = String.valueOf(composeServices().get("kafka-init").get("command"));

        for (String topic : defaultTopics()) {
            assertTrue(
                    init.contains("--topic " + topic + " "), "kafka-init does not create " + topic);
        }
    }

    @Test
    void shouldAcceptOnTheVideoTopicTheLargestFrameTheJobAccepts() throws IOException {
        for (Object document : loadAll(deploy.resolve("k8s/topics.yaml"))) {
            Map<String, Object> spec = map(map(document).get("spec"));
            if (KafkaOptions.VIDEO_TOPIC.defaultValue().equals(spec.get("topicName"))) {
                long maxMessageBytes =
                        Long.parseLong(
                                String.valueOf(map(spec.get("config")).get("max.message.bytes")));
                assertTrue(
                        maxMessageBytes >= FacesOptions.MAX_BYTES.defaultValue(),
                        "video topic max.message.bytes "
                                + maxMessageBytes
                                + " < faces.max-frame-bytes "
                                + FacesOptions.MAX_BYTES.defaultValue());
                return;
            }
        }
        fail("topics.yaml declares no " + KafkaOptions.VIDEO_TOPIC.defaultValue());
    }

    private static Set<String> unknownLipstreamOptions(Set<String> keys) {
        Set<String> defined =
                OptionsReference.all().stream().map(ConfigOption::key).collect(Collectors.toSet());
        return keys.stream()
                .filter(key -> LIPSTREAM_PREFIXES.stream().anyMatch(key::startsWith))
                .filter(key -> !key.startsWith(OPERATOR_AUTOSCALER_PREFIX))
                .filter(key -> !defined.contains(key))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> defaultTopics() {
        return new TreeSet<>(
                List.of(
                        KafkaOptions.AUDIO_TOPIC.defaultValue(),
                        KafkaOptions.VIDEO_TOPIC.defaultValue(),
                        KafkaOptions.SEGMENT_TOPIC.defaultValue(),
                        KafkaOptions.DEAD_LETTER_TOPIC.defaultValue()));
    }

    private static void assertMainClassExists(String className, String where) {
        try {
            Class.forName(className, false, DeploymentManifestsTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            fail(where + " names main class " + className + ", which does not exist");
        }
    }

    /** The FlinkDeployment's flinkConfiguration, flattened to dotted keys. */
    private Map<String, String> flinkDeploymentConfiguration() throws IOException {
        Map<String, Object> spec =
                map(single(deploy.resolve("k8s/flinkdeployment.yaml")).get("spec"));
        Map<String, String> flat = new TreeMap<>();
        flatten("", map(spec.get("flinkConfiguration")), flat);
        assertFalse(flat.isEmpty(), "flinkdeployment.yaml has no flinkConfiguration");
        return flat;
    }

    /** FLINK_PROPERTIES of each compose service, parsed as the Flink image's entrypoint does. */
    private Map<String, Map<String, String>> composeFlinkProperties() throws IOException {
        Map<String, Map<String, String>> byService = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> service : composeServices().entrySet()) {
            Object environment = service.getValue().get("environment");
            if (!(environment instanceof Map<?, ?> variables)
                    || !variables.containsKey("FLINK_PROPERTIES")) {
                continue;
            }
            Map<String, String> properties = new TreeMap<>();
            for (String line : String.valueOf(variables.get("FLINK_PROPERTIES")).split("\n")) {
                int colon = line.indexOf(':');
                if (!line.isBlank() && colon > 0) {
                    properties.put(
                            line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
            byService.put(service.getKey(), properties);
        }
        return byService;
    }

    private Map<String, Map<String, Object>> composeServices() throws IOException {
        Map<String, Map<String, Object>> services = new TreeMap<>();
        map(single(deploy.resolve("docker/compose.yaml")).get("services"))
                .forEach((name, service) -> services.put(name, map(service)));
        return services;
    }

    private static void flatten(String prefix, Map<String, Object> node, Map<String, String> out) {
        node.forEach(
                (key, value) -> {
                    String dotted = prefix.isEmpty() ? key : prefix + "." + key;
                    if (value instanceof Map<?, ?>) {
                        flatten(dotted, map(value), out);
                    } else {
                        out.put(dotted, String.valueOf(value));
                    }
                });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        if (!(node instanceof Map<?, ?>)) {
            fail("expected a mapping, found " + node);
        }
        return (Map<String, Object>) node;
    }

    private static Map<String, Object> single(Path file) throws IOException {
        List<Object> documents = loadAll(file);
        assertEquals(1, documents.size(), file + " documents");
        return map(documents.get(0));
    }

    private static List<Object> loadAll(Path file) throws IOException {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Object> documents = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            yaml.loadAll(reader).forEach(documents::add);
        } catch (RuntimeException e) {
            fail(file + " does not parse: " + e.getMessage());
        }
        return documents;
    }

    private static List<Path> files(Path folder, String... suffixes) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(suffixes).anyMatch(p.toString()::endsWith))
                    .sorted()
                    .toList();
        }
    }
}
