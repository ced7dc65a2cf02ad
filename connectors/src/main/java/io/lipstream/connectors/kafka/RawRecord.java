package io.lipstream.connectors.kafka;

/**
 * A Kafka record exactly as read, before decoding, so that a record that cannot be decoded can
 * still be sent to the dead-letter topic with its coordinates and bytes.
 */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;

    /** Kafka timestamp (capture time), epoch milliseconds. */
    public long timestamp;

    public byte[] key;
    public byte[] value;

    public RawRecord() {}

    public RawRecord(
            String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }
}
