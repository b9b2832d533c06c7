"""A member of the consumer group "orders-readers": subscribes to "orders",
prints each order's order_id once its offset is committed, and exits when
the group's committed offsets reach the end of every partition (so each
member of the group stops once the group as a whole has read everything).
Usage: python consumer.py [TIMEOUT_SECONDS]; BOOTSTRAP names the server."""
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

bootstrap = os.environ.get('BOOTSTRAP', 'localhost:9092')
timeout = float(sys.argv[1]) if len(sys.argv) > 1 else 60
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'orders-readers',
                     'auto.offset.reset': 'earliest', 'enable.auto.commit': False})
consumer.subscribe(['orders'])


def group_done():
    """True when the group's committed offsets equal every partition's end."""
    partitions = [TopicPartition('orders', p) for p in consumer.list_topics('orders', timeout=10).topics['orders'].partitions]
    committed = consumer.committed(partitions, timeout=10)
    # An empty partition has nothing committed (a negative offset) and ends at 0.
    return all(max(c.offset, 0) == consumer.get_watermark_offsets(p, timeout=10)[1] for c, p in zip(committed, partitions))


deadline = time.time() + timeout
while True:
    if time.time() > deadline:
        sys.exit('the group did not read every order within {} s'.format(timeout))
    message = consumer.poll(0.5)
    if message is None:
        # Idle: this member's partitions are read; stop once the others' are.
        if group_done():
            break
        continue
    if message.error():
        sys.exit('consume error: {}'.format(message.error()))
    try:
        # Commit before reporting: an order whose commit a rebalance refused
        # is delivered again to the member that owns its partition next.
        consumer.commit(message=message, asynchronous=False)
    except KafkaException:
        continue
    print(json.loads(message.value())['order_id'], flush=True)
consumer.close()
