/*
 * suricata-keywords.c — Suricata's rule keywords (see suricata-keywords.h).
 *
 * Collected from the keyword documentation of Suricata 7 and 8, including
 * the legacy aliases. Static read-only data; any thread may look up.
 */
#include "suricata-keywords.h"

#include <stddef.h>
#include <strings.h>

static const char *const keywords[] = {
	/* meta */
	"msg", "sid", "rev", "gid", "classtype", "reference", "priority", "metadata", "target",
	"requires",
	/* ip, tcp, udp, icmp headers */
	"ttl", "ipopts", "sameip", "ip_proto", "ipv4.hdr", "ipv6.hdr", "id", "geoip", "fragbits",
	"fragoffset", "tos", "flags", "tcp.flags", "seq", "tcp.seq", "ack", "tcp.ack", "window",
	"tcp.window", "tcp.mss", "tcp.hdr", "tcp.wscale", "udp.hdr", "itype", "icode", "icmp_id",
	"icmp_seq", "icmpv4.hdr", "icmpv6.hdr", "icmpv6.mtu", "ipv4-csum", "tcpv4-csum",
	"tcpv6-csum", "udpv4-csum", "udpv6-csum", "icmpv4-csum", "icmpv6-csum", "ethernet.hdr",
	"vlan.id", "vlan.layers", "arp.opcode", "igmp.hdr",
	/* payload */
	"content", "nocase", "depth", "offset", "distance", "within", "rawbytes", "fast_pattern",
	"prefilter", "startswith", "endswith", "isdataat", "bsize", "dsize", "byte_test",
	"byte_jump", "byte_extract", "byte_math", "rpc", "replace", "pcre", "uricontent",
	"urilen", "absent", "entropy", "base64_decode", "base64_data", "pkt_data", "lua",
	"luajit", "pcrexform", "xor", "dataset", "datarep", "iprep",
	/* transforms */
	"dotprefix", "domain", "tld", "strip_whitespace", "compress_whitespace", "to_lowercase",
	"to_uppercase", "to_md5", "to_sha1", "to_sha256", "url_decode", "header_lowercase",
	"strip_pseudo_headers", "from_base64", "gunzip", "zlib_deflate", "luaxform",
	/* flow, state, thresholds, outputs */
	"flow", "flowbits", "flowint", "flowvar", "pktvar", "xbits", "hostbits", "stream_size",
	"flow.age", "flow.pkts", "flow.bytes", "flow.pkts_toclient", "flow.pkts_toserver",
	"flow.bytes_toclient", "flow.bytes_toserver", "app-layer-protocol", "app-layer-event",
	"app-layer-state", "threshold", "detection_filter", "noalert", "alert", "tag", "bypass",
	"config", "stream-event", "decode-event", "engine-event", "filestore", "transforms",
	/* http */
	"http_uri", "http.uri", "http_raw_uri", "http.uri.raw", "http_method", "http.method",
	"http.request_line", "http_request_line", "http_client_body", "http.request_body",
	"http_header", "http.header", "http_raw_header", "http.header.raw", "http_cookie",
	"http.cookie", "http_user_agent", "http.user_agent", "http_host", "http.host",
	"http_raw_host", "http.host.raw", "http_accept", "http.accept", "http_accept_lang",
	"http.accept_lang", "http_accept_enc", "http.accept_enc", "http_referer", "http.referer",
	"http_connection", "http.connection", "http_content_type", "http.content_type",
	"http_content_len", "http.content_len", "http_start", "http.start", "http_protocol",
	"http.protocol", "http_header_names", "http.header_names", "http_response_line",
	"http.response_line", "http_server_body", "http.response_body", "http_stat_code",
	"http.stat_code", "http_stat_msg", "http.stat_msg", "http.server", "http.location",
	"http.request_header", "http.response_header", "http.request_body", "file_data",
	"file.data", "http2.frametype", "http2.errorcode", "http2.priority", "http2.window",
	"http2.size_update", "http2.settings", "http2.header_name", "http2.header",
	/* files */
	"filename", "file.name", "fileext", "filemagic", "file.magic", "filemd5", "filesha1",
	"filesha256", "filesize",
	/* dns */
	"dns_query", "dns.query", "dns.opcode", "dns.rcode", "dns.rrtype", "dns.answer.name",
	"dns.queries.rrname", "dns.answers.rrname", "dns.authorities.rrname",
	"dns.additionals.rrname", "dns.response.rrname", "dns.query.name",
	/* tls, ssl, ja3/ja4 */
	"tls.sni", "tls_sni", "tls.cert_subject", "tls_cert_subject", "tls.cert_issuer",
	"tls_cert_issuer", "tls.cert_serial", "tls_cert_serial", "tls.cert_fingerprint",
	"tls_cert_fingerprint", "tls.certs", "tls.version", "tls.subject", "tls.issuerdn",
	"tls.fingerprint", "tls.store", "tls_store", "tls_cert_notbefore", "tls_cert_notafter",
	"tls_cert_expired", "tls_cert_valid", "tls.random", "tls.random_time",
	"tls.random_bytes", "tls.cert_chain_len", "tls.alpn", "tls.subjectaltname",
	"ssl_version", "ssl_state", "ja3.hash", "ja3_hash", "ja3.string", "ja3_string",
	"ja3s.hash", "ja3s.string", "ja4.hash", "quic.version", "quic.sni", "quic.ua",
	"quic.cyu.hash", "quic.cyu.string",
	/* ssh */
	"ssh.proto", "ssh_proto", "ssh.software", "ssh_software", "ssh.protoversion",
	"ssh.softwareversion", "ssh.hassh", "ssh.hassh.string", "ssh.hassh.server",
	"ssh.hassh.server.string",
	/* smb, dcerpc, krb5, snmp, nfs, ntp */
	"dcerpc.iface", "dce_iface", "dcerpc.opnum", "dce_opnum", "dcerpc.stub_data",
	"dce_stub_data", "smb.named_pipe", "smb.share", "smb.ntlmssp_user",
	"smb.ntlmssp_domain", "smb.version", "krb5_msg_type", "krb5_cname", "krb5_sname",
	"krb5_err_code", "krb5.weak_encryption", "krb5.ticket_encryption", "snmp.version",
	"snmp.community", "snmp.pdu_type", "snmp.usm", "nfs_procedure", "nfs.version",
	/* ics */
	"modbus", "dnp3_func", "dnp3.func", "dnp3_ind", "dnp3.ind", "dnp3_obj", "dnp3.obj",
	"dnp3_data", "dnp3.data", "enip_command", "enip.command", "cip_service",
	"enip.status", "enip.product_name", "enip.service_name", "enip.identity_status",
	"enip.vendor_id", "enip.device_type", "enip.product_code", "enip.revision",
	"enip.serial", "enip.state", "enip.protocol_version", "enip.cip_attribute",
	"enip.cip_class", "enip.cip_instance", "enip.cip_status", "enip.cip_extendedstatus",
	"enip.capabilities",
	/* other application layers */
	"ftpbounce", "ftpdata_command", "ftp.command", "ftp.command_data", "ftp.completion_code",
	"ftp.reply", "ftp.mode", "ftp.reply_received", "ftp.dynamic_port", "sip.method",
	"sip.uri", "sip.request_line", "sip.stat_code", "sip.stat_msg", "sip.response_line",
	"sip.protocol", "sip.from", "sip.to", "sip.via", "sip.user_agent", "sip.content_type",
	"sip.content_length", "rfb.name", "rfb.secresult", "rfb.sectype", "mqtt.protocol_version",
	"mqtt.type", "mqtt.flags", "mqtt.qos", "mqtt.reason_code", "mqtt.connack.session_present",
	"mqtt.connect.clientid", "mqtt.connect.flags", "mqtt.connect.password",
	"mqtt.connect.protocol_string", "mqtt.connect.username", "mqtt.connect.willmessage",
	"mqtt.connect.willtopic", "mqtt.publish.message", "mqtt.publish.topic",
	"mqtt.subscribe.topic", "mqtt.unsubscribe.topic", "ike.init_spi", "ike.resp_spi",
	"ike.chosen_sa_attribute", "ike.exchtype", "ike.vendor", "ike.key_exchange_payload",
	"ike.key_exchange_payload_length", "ike.nonce_payload", "ike.nonce_payload_length",
	"smtp.helo", "smtp.mail_from", "smtp.rcpt_to", "email.from", "email.subject",
	"email.to", "email.cc", "email.date", "email.message_id", "email.x_mailer",
	"email.url", "email.received", "pgsql.query", "websocket.payload", "websocket.flags",
	"websocket.mask", "websocket.opcode", "ldap.request.operation", "ldap.responses.operation",
	"ldap.responses.count", "ldap.request.dn", "ldap.responses.dn",
	"ldap.responses.result_code", "ldap.responses.message", "ldap.request.attribute_type",
	"ldap.responses.attribute_type", "mdns.queries.rrname", "mdns.answers.rrname",
	"mdns.authorities.rrname", "mdns.additionals.rrname", "mdns.response.rrname",
	"template2", "tcp.flags.hdr",
};

bool suricata_keyword_known(const char *name)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcasecmp(keywords[i], name) == 0)
			return true;
	return false;
}
