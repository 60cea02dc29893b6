/*
 * output-kafka.h — sightings to Kafka, and nothing lost when the broker
 * goes away.
 *
 * A librdkafka producer (idempotent, acks=all, lz4, batched) sends each
 * sighting to the sightings topic: key = the indicator's identity (gid:sid
 * or STIX id, so every sighting of an indicator lands in one partition),
 * headers sensor, org, schema (eve/1) and tlp, value = the EVE record with
 * its sequence number. Sightings whose TLP is above kafka.max-tlp stay in
 * the local EVE file and are counted.
 *
 * When the broker is unreachable or slow, records wait in librdkafka's
 * queue (queue.buffering.max.messages, infinite message timeout) and, once
 * it is full, in the on-disk spool; from then on every new record goes to
 * the spool too, so order is kept, until the spool has been replayed and
 * acknowledged. On close the producer flushes for at most flush-timeout;
 * what is still undelivered is written to the spool for the next start.
 * Delivery reports are the only truth about delivery. A fatal producer
 * error is logged once with its reason; records then go to the spool and
 * the close reports failure.
 *
 * A heartbeat (sensor, last sequence number, counters) goes to the health
 * topic every heartbeat interval; heartbeats are never spooled.
 *
 * Threading: used by the output thread only (librdkafka's own threads do
 * the I/O; callbacks run inside output_kafka_tick() on the output thread).
 * Counters and gauges may be read by any thread.
 */
#ifndef SPOTTER_OUTPUT_KAFKA_H
#define SPOTTER_OUTPUT_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counter.h"
#include "eve-json.h"
#include "histo.h"
#include "output-ring.h"
#include "rule.h"
#include "spool.h"

struct output_kafka_config {
	const char *brokers;          /* host:port,... */
	const char *topic;            /* default spotter.sightings */
	const char *health_topic;     /* default spotter.health */
	char *const *props;           /* "name=value" for librdkafka, applied last */
	unsigned n_props;
	uint64_t heartbeat_ns;        /* default 5 s */
	uint64_t flush_timeout_ns;    /* default 5 s */
	enum tlp max_tlp;             /* default amber+strict: TLP:RED stays local */
	const char *sensor_id;
	const char *org;
	struct spool_config spool;    /* spool.dir is required */
};

void output_kafka_config_defaults(struct output_kafka_config *c);

/* Checks a host:port[,host:port...] list; 0 or -EINVAL with the reason. */
int output_kafka_check_brokers(const char *brokers, char *err, size_t errlen);

enum kafka_counter {
	KAFKA_PRODUCED = 0,       /* handed to librdkafka */
	KAFKA_DELIVERED,          /* acknowledged by the broker */
	KAFKA_SPOOLED,            /* written to the spool */
	KAFKA_SPOOL_REPLAYED,     /* sent from the spool */
	KAFKA_DROPPED_SPOOL_FULL, /* lost: the spool was full (also logged) */
	KAFKA_DROPPED_ERROR,      /* lost: the spool could not be written */
	KAFKA_ERRORS,             /* delivery and client errors */
	KAFKA_WITHHELD_TLP,       /* kept local: TLP above max-tlp */
	KAFKA_HEARTBEATS,
	KAFKA_HEARTBEATS_DROPPED,
	KAFKA_COUNTER_MAX
};

extern const char *const kafka_counter_names[KAFKA_COUNTER_MAX];

struct output_kafka;

/* Renders the heartbeat's "counters" object (called on the output thread). */
typedef void (*output_kafka_counters_fn)(void *ud, struct jbuf *jb);

/*
 * Creates the producer and opens the spool. A property librdkafka rejects,
 * or a spool that cannot be opened, gives -EINVAL / -errno with err naming
 * it; nothing is left behind.
 */
int output_kafka_new(const struct output_kafka_config *cfg, output_kafka_counters_fn counters,
		     void *ud, struct output_kafka **out, char *err, size_t errlen);

/* What the heartbeat reports as counters (call before the first tick). */
void output_kafka_set_counters(struct output_kafka *k, output_kafka_counters_fn fn, void *ud);

/* Does a record of this TLP go to Kafka? When not, it is counted as
 * withheld (it stays in the local EVE file). */
bool output_kafka_accept(struct output_kafka *k, uint8_t tlp);

/* Sends (or spools) one record; value is its EVE JSON with "seq". */
void output_kafka_send(struct output_kafka *k, const struct output_record *rec, const char *value,
		       size_t len, uint64_t seq);

/* Serves delivery reports, replays the spool, sends heartbeats. Returns
 * how much work was done (0: idle). */
unsigned output_kafka_tick(struct output_kafka *k, uint64_t now_ns, uint64_t last_seq);

/* Flushes (bounded), spools what is left, closes the producer and the
 * spool; counters stay readable until output_kafka_free(). Returns 0, or
 * -EIO after a fatal producer error (the records are in the spool). */
int output_kafka_close(struct output_kafka *k, uint64_t last_seq);
void output_kafka_free(struct output_kafka *k);

const counter_t *output_kafka_counters(const struct output_kafka *k);
/* The librdkafka handle, for tests that drive librdkafka's mock cluster. */
struct rd_kafka_s *output_kafka_client(struct output_kafka *k);
const struct histo *output_kafka_latency(const struct output_kafka *k); /* µs, match to ack */
uint64_t output_kafka_queue(const struct output_kafka *k);      /* in librdkafka now */
uint64_t output_kafka_spool_records(const struct output_kafka *k);
uint64_t output_kafka_spool_bytes(const struct output_kafka *k);

#endif
