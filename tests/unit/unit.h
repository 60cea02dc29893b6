/*
 * unit.h — the shared runner for CUnit test programs.
 *
 * Each tests/unit/test_<module>.c defines its suites as a CU_SuiteInfo
 * array and calls unit_run() from main(). The runner prints CUnit's basic
 * report and returns non-zero when any assertion failed, so make stops.
 */
#ifndef SPOTTER_UNIT_H
#define SPOTTER_UNIT_H

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdint.h>

int unit_run(CU_SuiteInfo *suites);

/* Decodes a hex string ("45 00 00 1c ...", spaces allowed) into buf;
 * returns the byte count. Aborts the test program on bad input. */
size_t unit_hex(const char *hex, uint8_t *buf, size_t cap);

/* A scratch directory for this test program ($TMPDIR or /tmp), made on
 * first use and removed with everything in it when the program exits. */
const char *unit_tmpdir(void);

#endif
