/*
 * test_eve_json.c — the EVE writer: escaping, UTF-8, numbers, times,
 * addresses, and that it never writes past its buffer.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <string.h>

#include "eve-json.h"

static const char *render_str(const char *s, size_t n, char *buf, size_t len)
{
	struct jbuf jb;

	jb_init(&jb, buf, len - 1);
	jb_str(&jb, s, n);
	*jb.p = '\0';
	return jb.overflow ? "<overflow>" : buf;
}

static void test_strings(void)
{
	char buf[128];

	CU_ASSERT_STRING_EQUAL(render_str("plain", 5, buf, sizeof(buf)), "\"plain\"");
	CU_ASSERT_STRING_EQUAL(render_str("a\"b\\c", 5, buf, sizeof(buf)), "\"a\\\"b\\\\c\"");
	CU_ASSERT_STRING_EQUAL(render_str("\n\r\t\x01", 4, buf, sizeof(buf)),
			       "\"\\n\\r\\t\\u0001\"");
	CU_ASSERT_STRING_EQUAL(render_str("a\0b", 3, buf, sizeof(buf)), "\"a\\u0000b\"");
	/* valid UTF-8 passes, invalid bytes are escaped */
	CU_ASSERT_STRING_EQUAL(render_str("caf\xc3\xa9", 5, buf, sizeof(buf)), "\"caf\xc3\xa9\"");
	CU_ASSERT_STRING_EQUAL(render_str("\xff\xc3", 2, buf, sizeof(buf)), "\"\\u00ff\\u00c3\"");
	CU_ASSERT_STRING_EQUAL(render_str("\xed\xa0\x80", 3, buf, sizeof(buf)),
			       "\"\\u00ed\\u00a0\\u0080\""); /* a surrogate is not UTF-8 */
	CU_ASSERT_STRING_EQUAL(render_str("\xf0\x9f\x98\x80", 4, buf, sizeof(buf)),
			       "\"\xf0\x9f\x98\x80\"");
}

static void test_overflow(void)
{
	char buf[8];
	struct jbuf jb;

	memset(buf, 'Z', sizeof(buf));
	jb_init(&jb, buf, 6);
	jb_str(&jb, "abcdef", 6);
	CU_ASSERT(jb.overflow);
	CU_ASSERT(jb.p <= buf + 6);
	CU_ASSERT_EQUAL(buf[6], 'Z');
	CU_ASSERT_EQUAL(buf[7], 'Z');
}

static void test_numbers_times_addresses(void)
{
	char buf[128];
	struct jbuf jb;
	struct addr128 a;
	uint8_t v4[4] = {198, 51, 100, 7};

	jb_init(&jb, buf, sizeof(buf) - 1);
	jb_u64(&jb, 0);
	jb_lit(&jb, ",");
	jb_u64(&jb, 18446744073709551615ull);
	jb_lit(&jb, ",");
	jb_time(&jb, 1795373430123456789ull);
	jb_lit(&jb, ",");
	addr_from_v4(&a, v4);
	jb_addr(&jb, &a);
	jb_lit(&jb, ",");
	inet_pton(AF_INET6, "2001:db8::1", a.b);
	jb_addr(&jb, &a);
	*jb.p = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "0,18446744073709551615,\"2026-11-22T18:50:30.123456+0000\","
				    "\"198.51.100.7\",\"2001:0db8:0000:0000:0000:0000:0000:0001\"");
}

static CU_TestInfo tests[] = {
	{"strings", test_strings},
	{"overflow", test_overflow},
	{"numbers, times, addresses", test_numbers_times_addresses},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"eve-json", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return unit_run(suites);
}
