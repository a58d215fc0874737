package dev.streamchat.testsupport;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Plain Kafka clients for tests: JSON strings in and out, as the services' bindings write and read them. */
public final class KafkaTestClients {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private KafkaTestClients() {}

    /** A producer of string records to the broker at {@code bootstrapServers}. */
    public static KafkaProducer<String, String> producer(String bootstrapServers) {
        var properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(properties);
    }

    /** A consumer in a group of its own, reading the topics from their beginning. */
    public static KafkaConsumer<String, String> consumer(String bootstrapServers, String... topics) {
        var properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        var consumer = new KafkaConsumer<String, String>(properties);
        consumer.subscribe(List.of(topics));
        return consumer;
    }

    /**
     * The value of the first record of the topics whose JSON satisfies {@code wanted}, read from the beginning; what a
     * service really sent, for a Pact message provider to verify.
     */
    public static String awaitRecord(
            String bootstrapServers, Predicate<JsonNode> wanted, Duration timeout, String... topics) {
        var properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        // no group: the partitions are assigned, not joined for (a group join costs seconds)
        try (var consumer = new KafkaConsumer<String, String>(properties)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            var partitions = new ArrayList<TopicPartition>();
            for (String topic : topics) {
                // a topic is made by its first record: until then it has no partitions (same thread: a consumer is not
                // thread-safe)
                await().atMost(timeout)
                        .pollInSameThread()
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> consumer.partitionsFor(topic), found -> !found.isEmpty())
                        .forEach(partition -> partitions.add(new TopicPartition(topic, partition.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (wanted.test(JSON.readTree(record.value()))) {
                        return record.value();
                    }
                }
            }
        }
        throw new AssertionError("no record as wanted on " + List.of(topics) + " within " + timeout);
    }
}
