/*
 * xdp_attach.c — attaches the XDP pre-filter to an interface and holds it
 * until SIGINT/SIGTERM, for tests/xdp/attach.sh (until the sensor's -i
 * does the same).
 *
 *   xdp_attach IFNAME [auto|native|generic]
 *
 * Prints "attached MODE" once the link exists; on SIGINT/SIGTERM prints
 * the program's counters ("xdp.packets N", ...), detaches and exits 0.
 * Killed with SIGKILL it detaches all the same: the link dies with the
 * process. Exit 1 with the loader's message when attaching fails.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spotter.h"
#include "xdp-filter.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct xdp_filter_config cfg = {.mode = XDP_MODE_AUTO};
	struct sigaction sa;
	struct xdp_filter *x;
	char err[512];

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: xdp_attach IFNAME [auto|native|generic]\n");
		return 2;
	}
	cfg.ifname = argv[1];
	if (argc == 3 && strcmp(argv[2], "native") == 0)
		cfg.mode = XDP_MODE_NATIVE;
	else if (argc == 3 && strcmp(argv[2], "generic") == 0)
		cfg.mode = XDP_MODE_GENERIC;
	else if (argc == 3 && strcmp(argv[2], "auto") != 0) {
		fprintf(stderr, "xdp_attach: mode is auto, native or generic\n");
		return 2;
	}
	log_set_level(LOG_INFO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (xdp_filter_attach(&cfg, &x, err, sizeof(err))) {
		fprintf(stderr, "xdp_attach: %s\n", err);
		return 1;
	}
	printf("attached %s\n", xdp_filter_mode(x));
	fflush(stdout);
	while (!stop)
		pause();
	for (unsigned i = 0; i < XDPC_MAX; i++)
		printf("%s %llu\n", spotter_xdp_counter_names[i],
		       (unsigned long long)xdp_filter_counter(x, i));
	fflush(stdout);
	xdp_filter_detach(x);
	return 0;
}
