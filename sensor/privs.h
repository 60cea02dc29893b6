/*
 * privs.h — dropping root after set-up (--user).
 *
 * Everything that needs privileges happens first: loading and attaching
 * the XDP program (CAP_BPF, CAP_NET_ADMIN), opening capture sockets and
 * AF_XDP rings (CAP_NET_RAW, CAP_NET_ADMIN), locking ring memory
 * (CAP_IPC_LOCK). Then the process becomes the user and keeps one
 * capability: CAP_BPF, which a rule reload needs to create the XDP
 * program's new inner maps. Updating maps spotter already holds (bypass,
 * counters) needs no capability. Outputs (EVE file, spool, Kafka) are
 * opened after the drop, as the user, so the files they create belong to
 * it and librdkafka's threads never run privileged.
 *
 * Must run while the process has one thread (capabilities are per
 * thread; threads started later inherit the reduced set).
 */
#ifndef SPOTTER_PRIVS_H
#define SPOTTER_PRIVS_H

#include <stddef.h>

/* Becomes user (its uid, gid, no supplementary groups), keeping CAP_BPF.
 * Returns 0 or a negative errno with err saying what failed. */
int privs_drop(const char *user, char *err, size_t errlen);

#endif
