/*
 * output-kafka.c — the Kafka producer, its spool and heartbeats (see
 * output-kafka.h for the model).
 *
 * Message opaques: a record sent directly carries its creation time
 * (monotonic ns, below 2^63) for the match-to-ack latency; a record sent
 * from the spool carries its spool token with the top bit set; a heartbeat
 * carries 0. librdkafka calls back on this thread, inside rd_kafka_poll().
 */
#include "output-kafka.h"

#include <ctype.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

#define SPOOL_FLAG (UINT64_C(1) << 63)
#define QUEUE_MAX_MESSAGES 100000u /* the in-memory bound before the spool */
#define SPOOL_WINDOW 10000         /* spooled records in flight at once */
#define SPOOL_BURST 2000           /* spooled records produced per tick */

struct purged {
	uint64_t seq;
	uint8_t tlp;
	char *key;
	uint16_t key_len;
	char *value;
	uint32_t value_len;
};

struct output_kafka {
	rd_kafka_t *rk;
	struct spool *spool;
	char *topic, *health_topic, *sensor_id, *org, *brokers;
	enum tlp max_tlp;
	uint64_t heartbeat_ns, flush_timeout_ns, next_heartbeat_ns;
	output_kafka_counters_fn counters_fn;
	void *counters_ud;

	bool spooling;         /* new records go to the spool until it drains */
	bool closing;          /* failed deliveries are collected, not spooled */
	bool fatal;
	bool rewind;           /* a spooled record failed: hand all out again */
	uint64_t spool_inflight;
	uint64_t last_error_log, last_drop_log;
	struct purged *purged;
	size_t n_purged, cap_purged;

	counter_t counters[KAFKA_COUNTER_MAX];
	counter_t gauge_queue, gauge_spool_records, gauge_spool_bytes;
	struct histo latency;
};

const char *const kafka_counter_names[KAFKA_COUNTER_MAX] = {
	[KAFKA_PRODUCED] = "produced",
	[KAFKA_DELIVERED] = "delivered",
	[KAFKA_SPOOLED] = "spooled",
	[KAFKA_SPOOL_REPLAYED] = "spool_replayed",
	[KAFKA_DROPPED_SPOOL_FULL] = "dropped_spool_full",
	[KAFKA_DROPPED_ERROR] = "dropped_error",
	[KAFKA_ERRORS] = "errors",
	[KAFKA_WITHHELD_TLP] = "withheld_tlp",
	[KAFKA_HEARTBEATS] = "heartbeats",
	[KAFKA_HEARTBEATS_DROPPED] = "heartbeats_dropped",
};

static int check_topic(struct output_kafka *k, char *err, size_t errlen);
static int make_dirs(const char *dir, char *err, size_t errlen);

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void output_kafka_config_defaults(struct output_kafka_config *c)
{
	memset(c, 0, sizeof(*c));
	c->topic = "spotter.sightings";
	c->health_topic = "spotter.health";
	c->heartbeat_ns = 5000000000ull;
	c->flush_timeout_ns = 5000000000ull;
	c->max_tlp = TLP_AMBER_STRICT;
	spool_config_defaults(&c->spool);
}

/* host:port, [v6]:port, separated by commas; host names as DNS allows. */
int output_kafka_check_brokers(const char *brokers, char *err, size_t errlen)
{
	const char *p = brokers;

	if (!*p)
		goto bad;
	while (*p) {
		const char *end = strchr(p, ','), *colon;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char item[300], *q;
		unsigned long port;

		if (n == 0 || n >= sizeof(item))
			goto bad;
		memcpy(item, p, n);
		item[n] = '\0';
		colon = strrchr(item, ':');
		if (!colon || colon == item)
			goto bad;
		port = strtoul(colon + 1, &q, 10);
		if (*q || port == 0 || port > 65535 || colon[1] == '\0')
			goto bad;
		if (item[0] == '[') {
			if (colon[-1] != ']')
				goto bad;
			for (const char *c = item + 1; c < colon - 1; c++)
				if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
					goto bad;
		} else {
			for (const char *c = item; c < colon; c++)
				if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_')
					goto bad;
		}
		p += n;
		if (*p == ',' && !*++p)
			goto bad; /* a trailing comma */
	}
	return 0;
bad:
	snprintf(err, errlen, "--kafka: \"%s\" is not a host:port list", brokers);
	return -EINVAL;
}

/* ---- spooling ------------------------------------------------------------ */

static void log_drop(struct output_kafka *k, const char *why)
{
	log_ratelimited(&k->last_drop_log, 10, LOG_ERROR,
			"kafka: sighting dropped: %s (%llu dropped so far; see stats)", why,
			(unsigned long long)(COUNTER_GET(k->counters[KAFKA_DROPPED_SPOOL_FULL]) +
					     COUNTER_GET(k->counters[KAFKA_DROPPED_ERROR])));
}

static void spool_put(struct output_kafka *k, const struct spool_record *r)
{
	int rc = spool_append(k->spool, r);

	if (rc == 0) {
		COUNTER_INC(k->counters[KAFKA_SPOOLED]);
		return;
	}
	if (rc == -ENOSPC) {
		COUNTER_INC(k->counters[KAFKA_DROPPED_SPOOL_FULL]);
		log_drop(k, "the spool is full");
	} else {
		COUNTER_INC(k->counters[KAFKA_DROPPED_ERROR]);
		log_drop(k, spool_error(k->spool));
	}
}

/* The sequence number at the end of a record's JSON: ,"seq":N} */
static uint64_t seq_of(const char *value, size_t len)
{
	for (size_t i = len; i-- > 5;) {
		uint64_t v = 0;

		if (value[i] != ':' || memcmp(value + i - 5, "\"seq\"", 5) != 0)
			continue;
		for (size_t j = i + 1; j < len && value[j] >= '0' && value[j] <= '9'; j++)
			v = v * 10 + (uint64_t)(value[j] - '0');
		return v;
	}
	return 0;
}

/* ---- producing ------------------------------------------------------------ */

static rd_kafka_resp_err_t produce(struct output_kafka *k, const char *topic, const char *key,
				   size_t key_len, const char *value, size_t len, uint8_t tlp,
				   uint64_t opaque)
{
	const char *t = tlp_name((enum tlp)tlp);

	return rd_kafka_producev(
		k->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, len),
		RD_KAFKA_V_HEADER("sensor", k->sensor_id, -1), RD_KAFKA_V_HEADER("org", k->org, -1),
		RD_KAFKA_V_HEADER("schema", "eve/1", -1), RD_KAFKA_V_HEADER("tlp", t, -1),
		RD_KAFKA_V_OPAQUE((void *)(uintptr_t)opaque), RD_KAFKA_V_END);
}

void output_kafka_set_counters(struct output_kafka *k, output_kafka_counters_fn fn, void *ud)
{
	k->counters_fn = fn;
	k->counters_ud = ud;
}

bool output_kafka_accept(struct output_kafka *k, uint8_t tlp)
{
	if (tlp <= k->max_tlp)
		return true;
	COUNTER_INC(k->counters[KAFKA_WITHHELD_TLP]);
	return false;
}

void output_kafka_send(struct output_kafka *k, const struct output_record *rec, const char *value,
		       size_t len, uint64_t seq)
{
	struct spool_record r = {.seq = seq,
				 .tlp = rec->tlp,
				 .kind = rec->kind,
				 .key = output_record_key(rec),
				 .key_len = rec->key_len,
				 .value = value,
				 .value_len = (uint32_t)len};
	rd_kafka_resp_err_t err;

	if (k->spooling || k->fatal) {
		spool_put(k, &r);
		return;
	}
	err = produce(k, k->topic, r.key, r.key_len, value, len, rec->tlp,
		      rec->created_ns & ~SPOOL_FLAG);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		COUNTER_INC(k->counters[KAFKA_PRODUCED]);
		return;
	}
	if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		COUNTER_INC(k->counters[KAFKA_ERRORS]);
		log_ratelimited(&k->last_error_log, 10, LOG_ERROR, "kafka: cannot produce: %s",
				rd_kafka_err2str(err));
	}
	/* the in-memory bound is reached: from now on, the spool keeps order */
	k->spooling = true;
	spool_put(k, &r);
}

/* Sends spooled records while the window allows. */
static unsigned replay_spool(struct output_kafka *k)
{
	unsigned n = 0;

	if (k->rewind && k->spool_inflight == 0) {
		spool_rewind(k->spool);
		k->rewind = false;
	}
	while (!k->fatal && !k->rewind && n < SPOOL_BURST && k->spool_inflight < SPOOL_WINDOW) {
		struct spool_record r;
		uint64_t token;
		rd_kafka_resp_err_t err;

		if (spool_next(k->spool, &r, &token) <= 0)
			break;
		err = produce(k, k->topic, r.key, r.key_len, r.value, r.value_len, r.tlp,
			      token | SPOOL_FLAG);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			/* not sent: hand it out again later */
			k->rewind = true;
			break;
		}
		k->spool_inflight++;
		COUNTER_INC(k->counters[KAFKA_SPOOL_REPLAYED]);
		n++;
	}
	if (k->spooling && spool_pending(k->spool) == 0 && k->spool_inflight == 0)
		k->spooling = false; /* drained: back to sending directly */
	return n;
}

/* ---- callbacks -------------------------------------------------------------- */

static void keep_purged(struct output_kafka *k, const rd_kafka_message_t *m)
{
	struct purged *p;
	const void *tv;
	size_t tl;
	rd_kafka_headers_t *h = NULL;

	if (k->n_purged == k->cap_purged) {
		size_t cap = k->cap_purged ? k->cap_purged * 2 : 1024;
		struct purged *np = realloc(k->purged, cap * sizeof(*np));

		if (!np) {
			COUNTER_INC(k->counters[KAFKA_DROPPED_ERROR]);
			return;
		}
		k->purged = np;
		k->cap_purged = cap;
	}
	p = &k->purged[k->n_purged];
	memset(p, 0, sizeof(*p));
	p->key = malloc(m->key_len ? m->key_len : 1);
	p->value = malloc(m->len ? m->len : 1);
	if (!p->key || !p->value) {
		free(p->key);
		free(p->value);
		COUNTER_INC(k->counters[KAFKA_DROPPED_ERROR]);
		return;
	}
	memcpy(p->key, m->key, m->key_len);
	memcpy(p->value, m->payload, m->len);
	p->key_len = (uint16_t)m->key_len;
	p->value_len = (uint32_t)m->len;
	p->seq = seq_of(p->value, p->value_len);
	p->tlp = TLP_NONE;
	if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    rd_kafka_header_get_last(h, "tlp", &tv, &tl) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		for (int t = TLP_CLEAR; t <= TLP_RED; t++)
			if (strlen(tlp_name((enum tlp)t)) == tl &&
			    memcmp(tlp_name((enum tlp)t), tv, tl) == 0)
				p->tlp = (uint8_t)t;
	}
	k->n_purged++;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *ud)
{
	struct output_kafka *k = ud;
	uint64_t op = (uint64_t)(uintptr_t)m->_private;

	(void)rk;
	if (op & SPOOL_FLAG) {
		k->spool_inflight--;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			COUNTER_INC(k->counters[KAFKA_DELIVERED]);
			spool_ack(k->spool, op & ~SPOOL_FLAG);
		} else if (!k->closing) {
			COUNTER_INC(k->counters[KAFKA_ERRORS]);
			k->rewind = true; /* it stays in the spool: send it again */
		}
		return;
	}
	if (op == 0) { /* a heartbeat */
		if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
			COUNTER_INC(k->counters[KAFKA_HEARTBEATS_DROPPED]);
		return;
	}
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		COUNTER_INC(k->counters[KAFKA_DELIVERED]);
		histo_add(&k->latency, (mono_ns() - op) / 1000);
		return;
	}
	if (!k->closing)
		COUNTER_INC(k->counters[KAFKA_ERRORS]);
	if (k->closing) {
		keep_purged(k, m); /* spooled in order at the end of close */
	} else {
		struct spool_record r = {.seq = seq_of(m->payload, m->len),
					 .key = m->key,
					 .key_len = (uint16_t)m->key_len,
					 .value = m->payload,
					 .value_len = (uint32_t)m->len};

		log_ratelimited(&k->last_error_log, 10, LOG_WARN,
				"kafka: delivery failed (%s): the sighting goes to the spool",
				rd_kafka_err2str(m->err));
		k->spooling = true;
		spool_put(k, &r);
	}
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *ud)
{
	struct output_kafka *k = ud;
	char buf[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof(buf));

		if (!k->fatal)
			log_error("kafka: fatal producer error (%s): %s; sightings go to the "
				  "spool from now on",
				  rd_kafka_err2name(orig), buf);
		k->fatal = true;
		k->spooling = true;
		COUNTER_INC(k->counters[KAFKA_ERRORS]);
		return;
	}
	COUNTER_INC(k->counters[KAFKA_ERRORS]);
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		log_ratelimited(&k->last_error_log, 30, LOG_WARN,
				"kafka: cannot reach any broker of %s (%s); sightings wait in "
				"the queue, then in the spool",
				k->brokers, reason);
	else
		log_ratelimited(&k->last_error_log, 30, LOG_WARN, "kafka: %s: %s",
				rd_kafka_err2str((rd_kafka_resp_err_t)err), reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	/* librdkafka uses syslog levels; its errors also reach on_error */
	if (level <= 3)
		log_msg(LOG_INFO, "kafka: %s: %s", fac, buf);
	else
		log_msg(LOG_DEBUG, "kafka: %s: %s", fac, buf);
}

/* ---- heartbeats ---------------------------------------------------------------- */

static void heartbeat(struct output_kafka *k, uint64_t last_seq)
{
	char buf[8192];
	struct jbuf jb;
	struct timespec now;
	rd_kafka_resp_err_t err;

	clock_gettime(CLOCK_REALTIME, &now);
	jb_init(&jb, buf, sizeof(buf));
	jb_lit(&jb, "{\"timestamp\":");
	jb_time(&jb, (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec);
	jb_lit(&jb, ",\"event_type\":\"heartbeat\",\"sensor\":");
	jb_str(&jb, k->sensor_id, strlen(k->sensor_id));
	jb_lit(&jb, ",\"org\":");
	jb_str(&jb, k->org, strlen(k->org));
	jb_lit(&jb, ",\"last_seq\":");
	jb_u64(&jb, last_seq);
	jb_lit(&jb, ",\"counters\":");
	if (k->counters_fn)
		k->counters_fn(k->counters_ud, &jb);
	else
		jb_lit(&jb, "{}");
	jb_lit(&jb, "}");
	if (jb.overflow) {
		COUNTER_INC(k->counters[KAFKA_HEARTBEATS_DROPPED]);
		return;
	}
	err = produce(k, k->health_topic, k->sensor_id, strlen(k->sensor_id), buf,
		      (size_t)(jb.p - buf), TLP_CLEAR, 0);
	COUNTER_INC(k->counters[err ? KAFKA_HEARTBEATS_DROPPED : KAFKA_HEARTBEATS]);
}

/* ---- lifecycle ------------------------------------------------------------------ */

static void update_gauges(struct output_kafka *k)
{
	COUNTER_SET(k->gauge_queue, rd_kafka_outq_len(k->rk));
	COUNTER_SET(k->gauge_spool_records, spool_pending(k->spool));
	COUNTER_SET(k->gauge_spool_bytes, spool_bytes(k->spool));
}

unsigned output_kafka_tick(struct output_kafka *k, uint64_t now_ns, uint64_t last_seq)
{
	unsigned n = (unsigned)rd_kafka_poll(k->rk, 0);

	if (k->spooling || spool_pending(k->spool))
		n += replay_spool(k);
	spool_tick(k->spool); /* buffered records to the kernel; sync when due */
	if (now_ns >= k->next_heartbeat_ns) {
		heartbeat(k, last_seq);
		k->next_heartbeat_ns = now_ns + k->heartbeat_ns;
	}
	update_gauges(k);
	return n;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
	       size_t errlen)
{
	char why[256];

	if (rd_kafka_conf_set(conf, name, value, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "kafka property \"%s\": %s", name, why);
	return -EINVAL;
}

static rd_kafka_conf_t *make_conf(const struct output_kafka_config *cfg, struct output_kafka *k,
				  char *err, size_t errlen)
{
	static const char *const defaults[][2] = {
		{"enable.idempotence", "true"},
		{"acks", "all"},
		{"compression.codec", "lz4"},
		{"linger.ms", "10"},
		{"batch.num.messages", "10000"},
		{"queue.buffering.max.kbytes", "1048576"},
		{"message.timeout.ms", "0"}, /* wait for the broker; the spool bounds memory */
		{"socket.keepalive.enable", "true"},
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char num[32], client[300];

	if (!conf)
		return NULL;
	snprintf(num, sizeof(num), "%u", QUEUE_MAX_MESSAGES);
	snprintf(client, sizeof(client), "spotter-%s", cfg->sensor_id);
	if (set(conf, "bootstrap.servers", cfg->brokers, err, errlen) ||
	    set(conf, "client.id", client, err, errlen) ||
	    set(conf, "queue.buffering.max.messages", num, err, errlen))
		goto fail;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (set(conf, defaults[i][0], defaults[i][1], err, errlen))
			goto fail;
	for (unsigned i = 0; i < cfg->n_props; i++) {
		char name[256];
		const char *eq = strchr(cfg->props[i], '=');
		size_t n = eq ? (size_t)(eq - cfg->props[i]) : 0;

		if (!eq || n == 0 || n >= sizeof(name)) {
			snprintf(err, errlen, "kafka property \"%s\": expected name=value",
				 cfg->props[i]);
			goto fail;
		}
		memcpy(name, cfg->props[i], n);
		name[n] = '\0';
		if (set(conf, name, eq + 1, err, errlen))
			goto fail;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_opaque(conf, k);
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/* Releases the producer and the spool; the counters stay. */
static void kafka_release(struct output_kafka *k)
{
	if (k->rk)
		rd_kafka_destroy(k->rk);
	k->rk = NULL;
	spool_close(k->spool);
	k->spool = NULL;
	for (size_t i = 0; i < k->n_purged; i++) {
		free(k->purged[i].key);
		free(k->purged[i].value);
	}
	free(k->purged);
	k->purged = NULL;
	k->n_purged = k->cap_purged = 0;
}

void output_kafka_free(struct output_kafka *k)
{
	if (!k)
		return;
	kafka_release(k);
	free(k->topic);
	free(k->health_topic);
	free(k->sensor_id);
	free(k->org);
	free(k->brokers);
	free(k);
}

int output_kafka_new(const struct output_kafka_config *cfg, output_kafka_counters_fn counters,
		     void *ud, struct output_kafka **out, char *err, size_t errlen)
{
	struct output_kafka *k = calloc(1, sizeof(*k));
	rd_kafka_conf_t *conf;
	char why[512];
	int rc;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	rc = output_kafka_check_brokers(cfg->brokers, err, errlen);
	if (rc)
		goto fail;
	k->topic = strdup(cfg->topic);
	k->health_topic = strdup(cfg->health_topic);
	k->sensor_id = strdup(cfg->sensor_id);
	k->org = strdup(cfg->org);
	k->brokers = strdup(cfg->brokers);
	k->max_tlp = cfg->max_tlp;
	k->heartbeat_ns = cfg->heartbeat_ns ? cfg->heartbeat_ns : 5000000000ull;
	k->flush_timeout_ns = cfg->flush_timeout_ns;
	k->counters_fn = counters;
	k->counters_ud = ud;
	rc = -ENOMEM;
	if (!k->topic || !k->health_topic || !k->sensor_id || !k->org || !k->brokers)
		goto fail;
	conf = make_conf(cfg, k, err, errlen);
	if (!conf) {
		rc = -EINVAL;
		goto fail;
	}
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (!k->rk) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "kafka: %s", why);
		rc = -EINVAL;
		goto fail;
	}
	/* the configuration is sound: now the broker, then the disk */
	rc = check_topic(k, err, errlen);
	if (rc)
		goto fail;
	rc = make_dirs(cfg->spool.dir, err, errlen);
	if (rc)
		goto fail;
	rc = spool_open(&cfg->spool, &k->spool, err, errlen);
	if (rc)
		goto fail;
	/* a spool left by an earlier run goes out before anything new */
	k->spooling = spool_pending(k->spool) > 0;
	if (k->spooling)
		log_notice("kafka: %llu sightings in the spool from an earlier run will be sent "
			   "first",
			   (unsigned long long)spool_pending(k->spool));
	k->next_heartbeat_ns = mono_ns();
	*out = k;
	return 0;
fail:
	output_kafka_free(k);
	return rc;
}

/*
 * Asks the broker about the sightings topic (bounded wait). A topic that
 * does not exist is a configuration error: sightings would wait forever.
 * An unreachable broker is not: the spool is there for that. The request
 * also opens the connection before the first sighting needs it.
 */
#define METADATA_TIMEOUT_MS 2000

static int check_topic(struct output_kafka *k, char *err, size_t errlen)
{
	rd_kafka_topic_t *t = rd_kafka_topic_new(k->rk, k->topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e;
	int rc = 0;

	if (!t)
		return 0;
	e = rd_kafka_metadata(k->rk, 0, t, &md, METADATA_TIMEOUT_MS);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		log_warn("kafka: no answer from %s yet (%s); sightings wait in the queue, then "
			 "in the spool",
			 k->brokers, rd_kafka_err2str(e));
	} else if (md->topic_cnt == 1 &&
		   md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
		snprintf(err, errlen,
			 "kafka topic \"%s\" does not exist on %s (create it, or allow the broker "
			 "to create topics)",
			 k->topic, k->brokers);
		rc = -EINVAL;
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(t);
	return rc;
}

/* mkdir -p for the spool directory (mode 0700 for the last level). */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path)) {
		snprintf(err, errlen, "spool directory \"%s\": invalid path", dir);
		return -EINVAL;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
fail:
	snprintf(err, errlen, "spool directory %s: cannot create %s: %s", dir, path,
		 strerror(errno));
	return -errno;
}

static int by_seq(const void *a, const void *b)
{
	const struct purged *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int output_kafka_close(struct output_kafka *k, uint64_t last_seq)
{
	int64_t left;
	int rc = 0;
	uint64_t deadline;

	if (!k || !k->rk)
		return 0;
	if (!k->fatal) {
		heartbeat(k, last_seq);
		/* the spool drains first, then everything is flushed, in bounded time */
		deadline = mono_ns() + k->flush_timeout_ns;
		while (mono_ns() < deadline) {
			output_kafka_tick(k, 0, last_seq);
			if (!k->spooling && rd_kafka_outq_len(k->rk) == 0)
				break;
			rd_kafka_poll(k->rk, 10);
		}
	}
	k->closing = true;
	left = rd_kafka_outq_len(k->rk);
	if (left > 0) {
		rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(k->rk, 100);
	}
	/* records that never reached the broker wait for the next start */
	if (k->n_purged)
		qsort(k->purged, k->n_purged, sizeof(*k->purged), by_seq);
	for (size_t i = 0; i < k->n_purged; i++) {
		struct purged *p = &k->purged[i];
		struct spool_record r = {.seq = p->seq,
					 .tlp = p->tlp,
					 .kind = OUTPUT_ALERT,
					 .key = p->key,
					 .key_len = p->key_len,
					 .value = p->value,
					 .value_len = p->value_len};

		spool_put(k, &r);
	}
	update_gauges(k);
	if (spool_pending(k->spool))
		log_notice("kafka: %llu sightings undelivered, kept in the spool for the next "
			   "start",
			   (unsigned long long)spool_pending(k->spool));
	if (spool_sync(k->spool) < 0) {
		log_error("kafka: cannot sync the spool: %s", spool_error(k->spool));
		rc = -EIO;
	}
	if (k->fatal)
		rc = -EIO;
	kafka_release(k);
	return rc;
}

struct rd_kafka_s *output_kafka_client(struct output_kafka *k)
{
	return k->rk;
}

const counter_t *output_kafka_counters(const struct output_kafka *k)
{
	return k->counters;
}

const struct histo *output_kafka_latency(const struct output_kafka *k)
{
	return &k->latency;
}

uint64_t output_kafka_queue(const struct output_kafka *k)
{
	return COUNTER_GET(k->gauge_queue);
}

uint64_t output_kafka_spool_records(const struct output_kafka *k)
{
	return COUNTER_GET(k->gauge_spool_records);
}

uint64_t output_kafka_spool_bytes(const struct output_kafka *k)
{
	return COUNTER_GET(k->gauge_spool_bytes);
}
