"""The seed articles' producer, written as confluent-kafka's documentation
writes it: keyed JSON orders to the topic "orders", a delivery callback,
flush(). Usage: python producer.py [COUNT]; BOOTSTRAP names the server
(default localhost:9092, where `streamhost serve` listens by default)."""
import json
import os
import sys
import time

from confluent_kafka import Producer

producer = Producer({'bootstrap.servers': os.environ.get('BOOTSTRAP', 'localhost:9092')})
count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
failures = []


def delivery_report(err, msg):
    """Called once per order by poll() or flush(): the broker stored it or refused it."""
    if err is not None:
        failures.append(err)
        print('Delivery failed: {}'.format(err), file=sys.stderr)


for order_id in range(count):
    order = {
        'order_id': order_id,
        'customer_id': 'customer-{}'.format(order_id % 7),
        'amount': round(10 + (order_id * 7.31) % 90, 2),
        'event_time': int(time.time() * 1000),
    }
    producer.poll(0)
    producer.produce('orders', key=order['customer_id'], value=json.dumps(order), callback=delivery_report)

undelivered = producer.flush(30)
if failures or undelivered:
    sys.exit('{} orders failed, {} still undelivered after 30 s'.format(len(failures), undelivered))
print('produced {} orders'.format(count))
