/*
 * vocab.c — benign names and text (see vocab.h for the invariant that keeps
 * them disjoint from indicator tokens).
 */
#include "vocab.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const words[] = {
    "about",   "account", "action",  "active",	 "address",   "admin",	 "agent",    "album",
    "alpha",   "amber",	  "anchor",  "answer",	 "apple",     "april",	 "archive",  "area",
    "arrow",   "article", "asset",   "audio",	 "author",    "autumn",	 "avenue",   "badge",
    "baker",   "balance", "banner",  "basic",	 "basket",    "battery", "beach",    "berry",
    "block",   "bloom",	  "board",   "border",	 "bottle",    "branch",	 "bridge",   "bright",
    "broker",  "budget",  "buffer",  "button",	 "cabin",     "cable",	 "camera",   "campus",
    "canvas",  "carbon",  "career",  "cargo",	 "castle",    "center",	 "chain",    "channel",
    "chapter", "charge",  "chart",   "check",	 "cherry",    "circle",	 "city",     "claim",
    "classic", "client",  "climate", "cloud",	 "coast",     "coffee",	 "collect",  "color",
    "column",  "comment", "common",  "config",	 "contact",   "content", "control",  "copper",
    "corner",  "cotton",  "county",  "course",	 "cover",     "craft",	 "credit",   "crystal",
    "culture", "current", "custom",  "daily",	 "dashboard", "data",	 "delta",    "demand",
    "design",  "detail",  "device",  "digital",	 "direct",    "domain",	 "double",   "draft",
    "dragon",  "driver",  "eagle",   "early",	 "earth",     "editor",	 "element",  "energy",
    "engine",  "equal",	  "event",   "export",	 "fabric",    "factor",	 "falcon",   "family",
    "feature", "field",	  "figure",  "filter",	 "final",     "finance", "first",    "flash",
    "flower",  "focus",	  "forest",  "format",	 "forum",     "frame",	 "fresh",    "future",
    "galaxy",  "garden",  "gateway", "global",	 "golden",    "graph",	 "green",    "group",
    "guide",   "harbor",  "health",  "height",	 "helper",    "history", "holiday",  "home",
    "horizon", "hotel",	  "house",   "image",	 "import",    "index",	 "inside",   "island",
    "item",    "journal", "journey", "kernel",	 "kitchen",   "label",	 "language", "laser",
    "layer",   "leader",  "legacy",  "level",	 "library",   "light",	 "limit",    "linear",
    "link",    "liquid",  "local",   "logic",	 "lunar",     "machine", "magnet",   "manual",
    "maple",   "market",  "master",  "matrix",	 "meadow",    "media",	 "member",   "memory",
    "metal",   "method",  "metro",   "middle",	 "mirror",    "mobile",	 "model",    "module",
    "moment",  "monitor", "motion",  "mountain", "native",    "network", "news",     "noble",
    "normal",  "notice",  "number",  "object",	 "ocean",     "office",	 "online",   "option",
    "orange",  "orbit",	  "order",   "origin",	 "output",    "owner",	 "packet",   "page",
    "panel",   "paper",	  "parent",  "partner",	 "pattern",   "people",	 "pepper",   "period",
    "photo",   "pilot",	  "planet",  "player",	 "plaza",     "pocket",	 "point",    "policy",
    "portal",  "power",	  "press",   "price",	 "prime",     "print",	 "private",  "product",
    "profile", "project", "public",  "puzzle",	 "quality",   "quick",	 "radar",    "radio",
    "random",  "range",	  "rapid",   "reader",	 "record",    "region",	 "report",   "result",
    "review",  "river",	  "rocket",  "route",	 "safety",    "sample",	 "scale",    "school",
    "screen",  "search",  "season",  "secure",	 "select",    "sensor",	 "series",   "server",
    "service", "shadow",  "share",   "shelf",	 "signal",    "silver",	 "simple",   "single",
    "sketch",  "smart",	  "social",  "solar",	 "source",    "space",	 "spring",   "square",
    "stable",  "stage",	  "station", "status",	 "steel",     "stone",	 "storage",  "store",
    "story",   "stream",  "street",  "studio",	 "style",     "summer",	 "summit",   "supply",
    "support", "surface", "switch",  "system",	 "table",     "target",	 "teacher",  "theme",
    "ticket",  "timber",  "token",   "total",	 "tower",     "track",	 "trade",    "travel",
    "trend",   "tunnel",  "update",  "upload",	 "urban",     "user",	 "valley",   "value",
    "vector",  "velvet",  "version", "video",	 "view",      "village", "vision",   "visual",
    "voice",   "volume",  "wallet",  "water",	 "weather",   "window",	 "winter",   "wonder",
    "worker",  "yellow",  "zenith",
};

#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char *const tlds[] = {"com", "com",   "com", "net",  "org", "io",
				   "de",  "co.uk", "fr",  "info", "nl",	 "eu"};
static const char *const host_prefixes[] = {"www.", "www.", "api.",  "cdn.",   "static.", "img.",
					    "",	    "",	    "mail.", "login.", "assets.", "media."};

static const char *const user_agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Microsoft-CryptoAPI/10.0",
    "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50",
    "curl/7.88.1",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Wget/1.21.3",
    "okhttp/4.12.0",
    "Debian APT-HTTP/1.3 (2.6.1)",
};

#define N_UAS (sizeof(user_agents) / sizeof(user_agents[0]))

const char *vocab_word(struct rng *r)
{
	return words[rng_below(r, N_WORDS)];
}

const char *vocab_user_agent(struct rng *r)
{
	/* browsers dominate */
	if (rng_chance(r, 0.7))
		return user_agents[rng_below(r, 7)];
	return user_agents[rng_below(r, N_UAS)];
}

void vocab_domain(struct rng *r, char *out, size_t len)
{
	const char *pfx =
	    host_prefixes[rng_below(r, sizeof(host_prefixes) / sizeof(*host_prefixes))];
	const char *tld = tlds[rng_below(r, sizeof(tlds) / sizeof(*tlds))];

	if (rng_chance(r, 0.5))
		snprintf(out, len, "%s%s%s.%s", pfx, vocab_word(r), vocab_word(r), tld);
	else if (rng_chance(r, 0.5))
		snprintf(out, len, "%s%s-%s.%s", pfx, vocab_word(r), vocab_word(r), tld);
	else
		snprintf(out, len, "%s%s.%s", pfx, vocab_word(r), tld);
}

void vocab_uri(struct rng *r, char *out, size_t len)
{
	switch (rng_below(r, 10)) {
	case 0:
		snprintf(out, len, "/");
		break;
	case 1:
		snprintf(out, len, "/static/js/%s.%08x.js", vocab_word(r), (unsigned)rng_next(r));
		break;
	case 2:
		snprintf(out, len, "/api/v%u/%ss/%u", rng_range(r, 1, 3), vocab_word(r),
			 rng_range(r, 1, 999999));
		break;
	case 3:
		snprintf(out, len, "/images/%s-%s.jpg", vocab_word(r), vocab_word(r));
		break;
	case 4:
		snprintf(out, len, "/%s/%s?q=%s+%s&page=%u", vocab_word(r), vocab_word(r),
			 vocab_word(r), vocab_word(r), rng_range(r, 1, 40));
		break;
	case 5:
		snprintf(out, len, "/wp-content/uploads/20%02u/%02u/%s-%u.png",
			 rng_range(r, 18, 25), rng_range(r, 1, 12), vocab_word(r),
			 rng_range(r, 1, 9999));
		break;
	case 6:
		snprintf(out, len, "/%s/%s-%s.html", vocab_word(r), vocab_word(r), vocab_word(r));
		break;
	case 7:
		snprintf(out, len, "/api/%s/%s?id=%u&session=%016llx", vocab_word(r), vocab_word(r),
			 rng_range(r, 1, 99999), (unsigned long long)rng_next(r));
		break;
	case 8:
		snprintf(out, len, "/css/%s.min.css?v=%u", vocab_word(r), rng_range(r, 1, 500));
		break;
	default:
		snprintf(out, len, "/%s/%s/%u/%s", vocab_word(r), vocab_word(r),
			 rng_range(r, 1, 99999), vocab_word(r));
		break;
	}
}

/* Appends printf-style text to buf[*pos..len), truncating at len. */
static void __attribute__((format(printf, 4, 5)))
app(uint8_t *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(tmp) - 1)
		n = (int)sizeof(tmp) - 1;
	if ((size_t)n > len - *pos)
		n = (int)(len - *pos);
	memcpy(buf + *pos, tmp, (size_t)n);
	*pos += (size_t)n;
}

static void sentence(struct rng *r, char *out, size_t len)
{
	size_t pos = 0;
	uint32_t n = rng_range(r, 5, 16);

	out[0] = '\0';
	for (uint32_t i = 0; i < n && pos + 16 < len; i++) {
		int k = snprintf(out + pos, len - pos, "%s%s", i ? " " : "", vocab_word(r));

		if (k > 0)
			pos += (size_t)k;
	}
	if (pos + 2 < len) {
		out[pos++] = '.';
		out[pos] = '\0';
	}
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}

void vocab_fill_html(struct rng *r, uint8_t *buf, size_t len)
{
	char s[256];
	size_t pos = 0;

	while (pos < len) {
		sentence(r, s, sizeof(s));
		switch (rng_below(r, 6)) {
		case 0:
			app(buf, len, &pos, "<div class=\"%s-%s\" id=\"%s%u\">\n<h2>%s</h2>\n",
			    vocab_word(r), vocab_word(r), vocab_word(r), rng_below(r, 100), s);
			break;
		case 1:
			app(buf, len, &pos, "<p>%s <a href=\"/%s/%s-%u.html\">%s %s</a></p>\n", s,
			    vocab_word(r), vocab_word(r), rng_below(r, 10000), vocab_word(r),
			    vocab_word(r));
			break;
		case 2:
			app(buf, len, &pos,
			    "<li><img src=\"/img/%s_%u.jpg\" alt=\"%s %s\" width=\"%u\"> %s</li>\n",
			    vocab_word(r), rng_below(r, 5000), vocab_word(r), vocab_word(r),
			    rng_range(r, 16, 1200), s);
			break;
		case 3:
			app(buf, len, &pos, "</div>\n<span class=\"%s\">%s</span>\n", vocab_word(r),
			    s);
			break;
		case 4:
			app(buf, len, &pos,
			    "<script>window.%s = {\"%s\": %u, \"%s\": \"%s\"};</script>\n",
			    vocab_word(r), vocab_word(r), rng_below(r, 100000), vocab_word(r),
			    vocab_word(r));
			break;
		default:
			app(buf, len, &pos,
			    "<link rel=\"stylesheet\" href=\"/css/%s.%08x.css\">\n<meta "
			    "name=\"%s\" "
			    "content=\"%s\">\n",
			    vocab_word(r), (unsigned)rng_next(r), vocab_word(r), s);
			break;
		}
	}
}

void vocab_fill_json(struct rng *r, uint8_t *buf, size_t len)
{
	size_t pos = 0;

	app(buf, len, &pos, "{\"%s\":[", vocab_word(r));
	while (pos < len) {
		app(buf, len, &pos,
		    "{\"id\":%u,\"%s\":\"%s %s\",\"%s\":[%u,%u,%u],\"price\":%u.%02u,"
		    "\"active\":%s,\"hash\":\"%016llx\",\"updated\":\"20%02u-%02u-%02uT%02u:%02u:%"
		    "02u+00:00\","
		    "\"%s\":{\"%s\":\"%s\",\"count\":%u}},\n",
		    rng_below(r, 10000000), vocab_word(r), vocab_word(r), vocab_word(r),
		    vocab_word(r), rng_below(r, 1000), rng_below(r, 1000), rng_below(r, 1000),
		    rng_below(r, 5000), rng_below(r, 100), rng_chance(r, 0.5) ? "true" : "false",
		    (unsigned long long)rng_next(r), rng_range(r, 20, 25), rng_range(r, 1, 12),
		    rng_range(r, 1, 28), rng_below(r, 24), rng_below(r, 60), rng_below(r, 60),
		    vocab_word(r), vocab_word(r), vocab_word(r), rng_below(r, 500));
	}
}

void vocab_fill_script(struct rng *r, uint8_t *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *a = vocab_word(r), *b = vocab_word(r);

		switch (rng_below(r, 3)) {
		case 0:
			app(buf, len, &pos,
			    "function %s_%s(e,t){if(e.%s>%u){return t.%s(\"%s\")}return e}\n", a, b,
			    vocab_word(r), rng_below(r, 1000), vocab_word(r), vocab_word(r));
			break;
		case 1:
			app(buf, len, &pos, "var %s=[%u,%u,\"%s\",\"%s\"],%s={};\n", a,
			    rng_below(r, 100000), rng_below(r, 100), b, vocab_word(r),
			    vocab_word(r));
			break;
		default:
			app(buf, len, &pos,
			    "document.querySelector(\".%s\").addEventListener(\"%s\",function(){%s."
			    "%s"
			    "(%u)});\n",
			    a, rng_chance(r, 0.5) ? "click" : "load", b, vocab_word(r),
			    rng_below(r, 100));
			break;
		}
	}
}
