"""The sample capture for `make run`: two minutes of a utility's span port.

A water/power utility with an IT network (10.20.0.0/16) and an OT network
(10.30.0.0/16):

  10.30.1.10  SCADA front-end processor: Modbus master, DNP3 master
  10.30.1.20  engineering workstation (EWS): authorised Modbus writes
  10.30.2.11-13  PLCs at pumping stations (Modbus/TCP, unit 1)
  10.30.3.21-22  substation RTUs (DNP3 outstations 10 and 11, master 1)
  10.20.2.10  internal DNS resolver     10.20.2.40  intranet web server
  10.20.1.x   office workstations

Normal traffic: Modbus polling (fc 3/4) of the PLCs every 2 s, DNP3 class
polls of the RTUs, the EWS writing a setpoint, the master operating a
breaker (direct operate, authorised), DNS, intranet HTTP, TLS to a vendor,
pings. Planted events (each triggers the bundled sets; see
deploy/sample/expected.tsv):

  t+20s  scanner 198.51.100.7 probes a PLC on 502        9001101, 9000100
  t+34s  10.20.1.34 resolves update.grid-telemetry.example  9002001
  t+35s  ... and opens TLS to it (203.0.113.45)            9001001, 9002002
  t+48s  IT host 10.20.1.57 writes a PLC register (fc 6)   9000100, 9000102
  t+62s  203.0.113.200 sends DNP3 Cold Restart to an RTU   9000200, 9000201
  t+76s  10.20.1.88 GridLurker beacon over HTTP            9001004, 9003001, 9003010
  t+90s  10.20.1.61 connects to 198.51.100.140:8443        9001002

Near misses that must stay quiet: a query for grid-telemetry.example.com
(not the indicator: label boundary), the EWS's authorised write, the
master's authorised direct operate.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from craftlib import Capture, dns, http, ics, tls  # noqa: E402

FEP, EWS = "10.30.1.10", "10.30.1.20"
PLCS = ["10.30.2.11", "10.30.2.12", "10.30.2.13"]
RTUS = [("10.30.3.21", 10), ("10.30.3.22", 11)]
RESOLVER, INTRANET = "10.20.2.10", "10.20.2.40"
VENDOR = "198.51.100.10"

ROUNDS = 60          # polling rounds, 2 s apart
ROUND_S = 2.0


class Sample:
    def __init__(self):
        self.cap = Capture(start="2026-11-22T18:50:30", step=0.0004)
        self.tid = {}
        self.mb = {}
        self.dnp = {}
        self.dnp_seq = {}
        self.dns_id = 0x3100

    # ---- SCADA polling -----------------------------------------------------
    def modbus_poll(self, plc, r):
        s = self.mb.get(plc)
        if s is None:
            s = self.cap.tcp(FEP, 50100 + PLCS.index(plc), plc, 502)
            s.handshake()
            self.mb[plc] = s
        tid = self.tid[plc] = (self.tid.get(plc, 0) + 1) & 0xFFFF
        fc = ics.FC_READ_HOLDING if r % 2 == 0 else ics.FC_READ_INPUT
        start, count = (40, 10) if fc == ics.FC_READ_HOLDING else (0, 8)
        s.client_send(ics.mb_read(tid, 1, fc, start, count), ack=False)
        vals = [(1000 + 37 * i + 13 * r + PLCS.index(plc) * 101) % 4096 for i in range(count)]
        s.server_send(ics.mb_read_response(tid, 1, fc, vals))

    def dnp3_poll(self, rtu, r):
        addr, station = rtu
        s = self.dnp.get(addr)
        if s is None:
            s = self.cap.tcp(FEP, 50200 + station, addr, 20000)
            s.handshake()
            self.dnp[addr] = s
        seq = self.dnp_seq[addr] = (self.dnp_seq.get(addr, -1) + 1) & 0x0F
        objs = ics.CLASS0 if r % 5 == 0 else ics.CLASS1 + ics.CLASS2 + ics.CLASS3
        s.client_send(ics.dnp3_request(station, 1, ics.DNP3_READ, objs, seq=seq, tseq=seq), ack=False)
        vals = [(230 + 3 * i + r) % 400 for i in range(6)]
        s.server_send(ics.dnp3_response(1, station, ics.dnp3_analog_points(vals), seq=seq, tseq=seq))

    # ---- small helpers ---------------------------------------------------------
    def dns_lookup(self, client, sport, name, answers, qtype="A"):
        self.dns_id += 7
        self.cap.udp(client, sport, RESOLVER, 53, dns.query(name, qtype, txid=self.dns_id))
        self.cap.wait(0.003)
        self.cap.udp(RESOLVER, 53, client, sport, dns.response(name, qtype, self.dns_id, answers))

    def http_get(self, client, cport, server, host, uri, ua, body, sport=80):
        s = self.cap.tcp(client, cport, server, sport)
        s.handshake()
        s.client_send(http.request("GET", uri, host=host, ua=ua,
                                   headers=[("Accept", "*/*"), ("Connection", "close")]))
        s.server_send(http.response(body=body))
        s.close(by="server")

    def tls_session(self, client, cport, server, sni, seed):
        s = self.cap.tcp(client, cport, server, 443)
        s.handshake()
        s.client_send(tls.client_hello(sni, seed=seed))
        s.server_send(tls.server_hello(seed=seed + b"-srv"))
        s.client_send(tls.app_data(300, seed + b"-c1"))
        s.server_send(tls.app_data(900, seed + b"-s1"))
        s.close()

    # ---- planted events ------------------------------------------------------
    def scanner_probe(self):
        s = self.cap.tcp("198.51.100.7", 61000, "10.30.2.13", 502)
        s.syn()
        s.reset(by="server")   # RST from the PLC: the port is filtered by its ACL

    def c2_lookup_and_tls(self):
        self.dns_lookup("10.20.1.34", 53001, "update.grid-telemetry.example", [("A", "203.0.113.45")])
        self.cap.wait(0.8)
        self.tls_session("10.20.1.34", 50514, "203.0.113.45", "update.grid-telemetry.example", b"c2")

    def rogue_modbus_write(self):
        s = self.cap.tcp("10.20.1.57", 49822, "10.30.2.11", 502)
        s.handshake()
        s.client_send(ics.mb_write_register(0x0101, 1, 40, 0), ack=False)   # pump setpoint to 0
        s.server_send(ics.mb_write_register(0x0101, 1, 40, 0))
        s.close()

    def dnp3_cold_restart(self):
        s = self.cap.tcp("203.0.113.200", 41000, "10.30.3.22", 20000)
        s.handshake()
        s.client_send(ics.dnp3_request(11, 1, ics.DNP3_COLD_RESTART, seq=0), ack=False)
        s.server_send(ics.dnp3_response(1, 11, b"\x34\x01\x07\x01\xe8\x03", seq=0, iin=0x8000))
        s.close()

    def gridlurker_beacon(self):
        self.http_get("10.20.1.88", 51234, "192.0.2.77", "cdn.gridsync.example",
                      "/gridsync/beacon.php?id=4f2a9c0d1e3b5a67&v=2", "GridLurker/2.4 (compatible)",
                      b"OK;sleep=300")

    def staging_connection(self):
        s = self.cap.tcp("10.20.1.61", 50777, "198.51.100.140", 8443)
        s.handshake()
        s.client_send(b"\x00\x00\x00\x10" + b"HELLO-STAGE-0001")
        s.server_send(b"\x00\x00\x00\x04" + b"WAIT")
        s.close()

    # ---- normal office and engineering traffic -------------------------------
    def office(self, r):
        if r == 3:
            self.dns_lookup("10.20.1.34", 53000, "intranet.utility.example", [("A", INTRANET)])
            self.http_get("10.20.1.34", 50500, INTRANET, "intranet.utility.example", "/shift-roster/today",
                          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0",
                          b"<html><body><h1>Shift roster</h1><p>Control room: A. Operator</p></body></html>")
        if r == 8:
            self.dns_lookup("10.20.1.88", 53010, "updates.vendor.example", [("A", VENDOR)])
            self.tls_session("10.20.1.88", 50600, VENDOR, "updates.vendor.example", b"vendor")
        if r == 13:
            self.dns_lookup("10.20.1.42", 53020, "grid-telemetry.example.com", [("A", "192.0.2.10")])
        if r == 20:
            self.dns_lookup("10.20.1.42", 53021, "mail.utility.example", [("A", "10.20.2.25")])
            self.dns_lookup("10.20.1.42", 53022, "mail.utility.example", [], qtype="AAAA")
        if r == 27:
            self.cap.icmp_echo(FEP, "10.30.3.21", b"scada-health-check", ident=0x0101, seq=27)
            self.cap.icmp_echo("10.30.3.21", FEP, b"scada-health-check", ident=0x0101, seq=27, reply=True)
        if r == 45:
            self.http_get("10.20.1.42", 50901, INTRANET, "intranet.utility.example", "/outages?region=north",
                          "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", b"[]")

    def engineering(self, r):
        if r == 16:
            # EWS adjusts a pressure setpoint: authorised client, no sighting
            s = self.cap.tcp(EWS, 51000, "10.30.2.12", 502)
            s.handshake()
            s.client_send(ics.mb_write_register(0x2001, 1, 44, 625), ack=False)
            s.server_send(ics.mb_write_register(0x2001, 1, 44, 625))
            s.client_send(ics.mb_write_registers(0x2002, 1, 50, [10, 20, 30]), ack=False)
            s.server_send(ics.mb_write_registers_response(0x2002, 1, 50, 3))
            s.close()
        if r == 52:
            # the master operates a feeder breaker: authorised master, no sighting
            s = self.dnp["10.30.3.21"]
            seq = self.dnp_seq["10.30.3.21"] = (self.dnp_seq["10.30.3.21"] + 1) & 0x0F
            s.client_send(ics.dnp3_request(10, 1, ics.DNP3_DIRECT_OPERATE, ics.dnp3_crob(3, 0x41),
                                           seq=seq, tseq=seq), ack=False)
            s.server_send(ics.dnp3_response(1, 10, ics.dnp3_crob(3, 0x41), seq=seq, tseq=seq))

    def run(self):
        events = {10: self.scanner_probe, 17: self.c2_lookup_and_tls, 24: self.rogue_modbus_write,
                  31: self.dnp3_cold_restart, 38: self.gridlurker_beacon, 45: self.staging_connection}
        for r in range(ROUNDS):
            t0 = self.cap.now_ns
            for plc in PLCS:
                self.modbus_poll(plc, r)
                self.cap.wait(0.01)
            if r % 2 == 0:
                for rtu in RTUS:
                    self.dnp3_poll(rtu, r)
                    self.cap.wait(0.01)
            self.office(r)
            self.engineering(r)
            if r in events:
                self.cap.wait(0.3)
                events[r]()
            self.cap.now_ns = t0 + int(ROUND_S * 1e9)
        for s in list(self.mb.values()) + list(self.dnp.values()):
            s.close()
        return self.cap


def write(path):
    return Sample().run().write(path)


def build(out):
    write(pathlib.Path(out) / "utility-span.pcap")


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else "utility-span.pcap")
