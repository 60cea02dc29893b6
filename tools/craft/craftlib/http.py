"""HTTP/1.1 messages as bytes."""


def _hdrs(headers):
    return b"".join(b"%s: %s\r\n" % (_b(k), _b(v)) for k, v in headers)


def _b(x):
    return x if isinstance(x, bytes) else str(x).encode()


def request(method="GET", uri="/", host=None, ua=None, headers=(), body=b"", version="HTTP/1.1",
            ua_header="User-Agent", host_header="Host"):
    """A request. host/ua add Host and User-Agent (in that order, first);
    headers is a list of (name, value) added after them."""
    h = []
    if host is not None:
        h.append((host_header, host))
    if ua is not None:
        h.append((ua_header, ua))
    h.extend(headers)
    body = _b(body)
    if body and not any(k.lower() == "content-length" for k, _ in h):
        h.append(("Content-Length", len(body)))
    return b"%s %s %s\r\n" % (_b(method), _b(uri), _b(version)) + _hdrs(h) + b"\r\n" + body


def response(status=200, reason="OK", headers=(), body=b"", content_type="text/html"):
    body = _b(body)
    h = [("Server", "nginx"), ("Content-Type", content_type), ("Content-Length", len(body))]
    h.extend(headers)
    return b"HTTP/1.1 %d %s\r\n" % (status, _b(reason)) + _hdrs(h) + b"\r\n" + body
