/*
 * test_capture.c — live capture: mode names and every configuration error
 * capture_open() reports before it opens a socket (no root, no traffic;
 * the capture paths themselves run in tests/netns).
 */
#include "unit.h"

#include "capture.h"

#include <errno.h>
#include <string.h>

static char *lo[] = {"lo"};

static struct capture_config config(char **ifs, unsigned n, enum capture_mode m)
{
	return (struct capture_config){
	    .interfaces = ifs,
	    .n_interfaces = n,
	    .mode = m,
	    .promiscuous = true,
	};
}

/* capture_open() must fail with rc and exactly msg, leaving *out NULL. */
static void expect_error(const struct capture_config *cfg, int rc, const char *msg)
{
	struct capture *c = (struct capture *)&c; /* not NULL: must be reset */
	char err[512] = "";

	CU_ASSERT_EQUAL(capture_open(cfg, &c, err, sizeof(err)), rc);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_STRING_EQUAL(err, msg);
}

static void test_mode_names(void)
{
	enum capture_mode m = CAPTURE_MODE_PCAP;

	CU_ASSERT_STRING_EQUAL(capture_mode_name(CAPTURE_MODE_AUTO), "auto");
	CU_ASSERT_STRING_EQUAL(capture_mode_name(CAPTURE_MODE_AFXDP), "afxdp");
	CU_ASSERT_STRING_EQUAL(capture_mode_name(CAPTURE_MODE_AFPACKET), "afpacket");
	CU_ASSERT_STRING_EQUAL(capture_mode_name(CAPTURE_MODE_PCAP), "pcap");
	CU_ASSERT_STRING_EQUAL(capture_mode_name((enum capture_mode)4), "?");
	CU_ASSERT_STRING_EQUAL(capture_mode_name((enum capture_mode) - 1), "?");

	CU_ASSERT_EQUAL(capture_mode_parse("afpacket", &m), 0);
	CU_ASSERT_EQUAL(m, CAPTURE_MODE_AFPACKET);
	CU_ASSERT_EQUAL(capture_mode_parse("auto", &m), 0);
	CU_ASSERT_EQUAL(m, CAPTURE_MODE_AUTO);
	CU_ASSERT_EQUAL(capture_mode_parse("afxdp", &m), 0);
	CU_ASSERT_EQUAL(m, CAPTURE_MODE_AFXDP);
	CU_ASSERT_EQUAL(capture_mode_parse("pcap", &m), 0);
	CU_ASSERT_EQUAL(m, CAPTURE_MODE_PCAP);
	CU_ASSERT_EQUAL(capture_mode_parse("AFXDP", &m), -EINVAL);
	CU_ASSERT_EQUAL(capture_mode_parse("", &m), -EINVAL);
	CU_ASSERT_EQUAL(capture_mode_parse("af_packet", &m), -EINVAL);
	CU_ASSERT_EQUAL(m, CAPTURE_MODE_PCAP); /* untouched on error */
}

static void test_config_errors(void)
{
	struct capture_config cfg = config(lo, 0, CAPTURE_MODE_AUTO);

	expect_error(&cfg, -EINVAL, "no interface to capture on");
	cfg = config(NULL, 1, CAPTURE_MODE_AUTO);
	expect_error(&cfg, -EINVAL, "no interface to capture on");

	cfg = config(lo, 1, (enum capture_mode)7);
	expect_error(&cfg, -EINVAL, "unknown capture mode 7");

	cfg = config(lo, 1, CAPTURE_MODE_AFPACKET);
	cfg.workers = CAPTURE_MAX_FANOUT + 1;
	expect_error(&cfg, -EINVAL, "65 workers: at most 64 fan-out members per interface");

	cfg = config(lo, 1, CAPTURE_MODE_AFPACKET);
	cfg.ring_bytes = CAPTURE_RING_MIN - 1;
	expect_error(&cfg, -EINVAL,
		     "ring size 1048575 bytes: must be between 1048576 and 1073741824");
	cfg.ring_bytes = CAPTURE_RING_MAX + 1;
	expect_error(&cfg, -EINVAL,
		     "ring size 1073741825 bytes: must be between 1048576 and 1073741824");
}

static void test_interface_errors(void)
{
	char *empty[] = {""};
	char *longname[] = {"abcdefghijklmnop"};
	char *missing[] = {"spn-nonexist0"};
	char *twice[] = {"lo", "lo"};
	char *second_missing[] = {"lo", "spn-nonexist1"};
	struct capture_config cfg = config(empty, 1, CAPTURE_MODE_AUTO);

	expect_error(&cfg, -ENODEV, "empty interface name");
	cfg.interfaces = longname;
	expect_error(&cfg, -ENODEV, "abcdefghijklmnop: interface name longer than 15 characters");
	cfg.interfaces = missing;
	expect_error(&cfg, -ENODEV, "spn-nonexist0: no such interface");
	cfg = config(twice, 2, CAPTURE_MODE_AUTO);
	expect_error(&cfg, -EINVAL, "lo: interface given twice");
	cfg.interfaces = second_missing;
	expect_error(&cfg, -ENODEV, "spn-nonexist1: no such interface");
}

static void test_afxdp_needs_xdp(void)
{
	struct xdp_filter *none[] = {NULL};
	struct capture_config cfg = config(lo, 1, CAPTURE_MODE_AFXDP);

	expect_error(&cfg, -ENOENT,
		     "lo: afxdp needs the XDP program attached with its XSKMAP (none given)");
	cfg.xdp = none;
	expect_error(&cfg, -ENOENT,
		     "lo: afxdp needs the XDP program attached with its XSKMAP (none given)");
}

/* A filter that does not compile is refused before the interface is
 * touched, naming the expression. */
static void test_pcap_filter_error(void)
{
	struct capture_config cfg = config(lo, 1, CAPTURE_MODE_PCAP);
	struct capture *c = NULL;
	const char *prefix = "lo: pcap filter \"tcp port nonsense\": ";
	char err[512] = "";

	cfg.pcap_filter = "tcp port nonsense";
	CU_ASSERT_EQUAL(capture_open(&cfg, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
	CU_ASSERT(strlen(err) > strlen(prefix)); /* libpcap's reason follows */

	cfg.pcap_filter = "udp and (";
	CU_ASSERT_EQUAL(capture_open(&cfg, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "lo: pcap filter \"udp and (\": ", 29), 0);
}

static void test_close_null(void)
{
	capture_close(NULL); /* a no-op, as every _close/_free */
	CU_PASS("capture_close(NULL)");
}

static CU_TestInfo tests[] = {
    {"mode names", test_mode_names},
    {"configuration errors", test_config_errors},
    {"interface errors", test_interface_errors},
    {"afxdp needs the XDP program", test_afxdp_needs_xdp},
    {"pcap filter error", test_pcap_filter_error},
    {"close NULL", test_close_null},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    {"capture", NULL, NULL, NULL, NULL, tests},
    CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
