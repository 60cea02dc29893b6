/*
 * exit-status.h — the sensor's exit statuses (CONTRACT.md): 0 done; 1 a
 * runtime failure (capture or output could not be opened or failed); 2
 * usage, configuration or, with --strict-rules, rule errors.
 */
#ifndef SPOTTER_EXIT_STATUS_H
#define SPOTTER_EXIT_STATUS_H

enum exit_status {
	EXIT_DONE = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
};

#endif
