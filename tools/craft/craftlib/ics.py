"""Modbus/TCP and DNP3 frames as bytes.

Modbus/TCP: MBAP header (transaction id, protocol id 0, length, unit id)
then the PDU (function code + data); the function code is byte 7 of the
ADU. DNP3: link-layer frame (0x05 0x64, length, control, destination,
source, CRC) then user data in 16-byte blocks each followed by its CRC; the
first user data block holds the transport header (byte 10 of the frame),
the application control (11) and the application function code (12).
"""

import struct

# ---- Modbus/TCP --------------------------------------------------------------
FC_READ_COILS = 1
FC_READ_DISCRETE = 2
FC_READ_HOLDING = 3
FC_READ_INPUT = 4
FC_WRITE_COIL = 5
FC_WRITE_REGISTER = 6
FC_DIAGNOSTICS = 8
FC_WRITE_COILS = 15
FC_WRITE_REGISTERS = 16
FC_MASK_WRITE = 22
FC_READ_WRITE = 23
FC_DEVICE_ID = 43


def modbus(tid, unit, fc, data=b""):
    pdu = bytes([fc]) + data
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def mb_read(tid, unit, fc, start, count):
    return modbus(tid, unit, fc, struct.pack(">HH", start, count))


def mb_read_response(tid, unit, fc, values):
    if fc in (FC_READ_COILS, FC_READ_DISCRETE):
        nbytes = (len(values) + 7) // 8
        bits = 0
        for i, v in enumerate(values):
            bits |= (1 if v else 0) << i
        data = bits.to_bytes(nbytes, "little")
    else:
        data = b"".join(struct.pack(">H", v & 0xFFFF) for v in values)
    return modbus(tid, unit, fc, bytes([len(data)]) + data)


def mb_write_coil(tid, unit, addr, on):
    return modbus(tid, unit, FC_WRITE_COIL, struct.pack(">HH", addr, 0xFF00 if on else 0))


def mb_write_register(tid, unit, addr, value):
    return modbus(tid, unit, FC_WRITE_REGISTER, struct.pack(">HH", addr, value))


def mb_write_registers(tid, unit, start, values):
    data = b"".join(struct.pack(">H", v) for v in values)
    return modbus(tid, unit, FC_WRITE_REGISTERS, struct.pack(">HHB", start, len(values), len(data)) + data)


def mb_write_registers_response(tid, unit, start, count):
    return modbus(tid, unit, FC_WRITE_REGISTERS, struct.pack(">HH", start, count))


def mb_write_coils(tid, unit, start, bits):
    nbytes = (len(bits) + 7) // 8
    v = 0
    for i, b in enumerate(bits):
        v |= (1 if b else 0) << i
    return modbus(tid, unit, FC_WRITE_COILS,
                  struct.pack(">HHB", start, len(bits), nbytes) + v.to_bytes(nbytes, "little"))


def mb_mask_write(tid, unit, addr, and_mask, or_mask):
    return modbus(tid, unit, FC_MASK_WRITE, struct.pack(">HHH", addr, and_mask, or_mask))


def mb_read_write(tid, unit, rstart, rcount, wstart, values):
    data = b"".join(struct.pack(">H", v) for v in values)
    return modbus(tid, unit, FC_READ_WRITE,
                  struct.pack(">HHHHB", rstart, rcount, wstart, len(values), len(data)) + data)


def mb_diagnostics(tid, unit, sub, data=0):
    return modbus(tid, unit, FC_DIAGNOSTICS, struct.pack(">HH", sub, data))


# ---- DNP3 --------------------------------------------------------------------
DNP3_CONFIRM = 0x00
DNP3_READ = 0x01
DNP3_WRITE = 0x02
DNP3_SELECT = 0x03
DNP3_OPERATE = 0x04
DNP3_DIRECT_OPERATE = 0x05
DNP3_DIRECT_OPERATE_NR = 0x06
DNP3_COLD_RESTART = 0x0D
DNP3_WARM_RESTART = 0x0E
DNP3_INITIALIZE_APP = 0x10
DNP3_START_APP = 0x11
DNP3_STOP_APP = 0x12
DNP3_ENABLE_UNSOLICITED = 0x14
DNP3_DISABLE_UNSOLICITED = 0x15
DNP3_RESPONSE = 0x81
DNP3_UNSOLICITED = 0x82

# object headers
CLASS0 = bytes([0x3C, 0x01, 0x06])
CLASS1 = bytes([0x3C, 0x02, 0x06])
CLASS2 = bytes([0x3C, 0x03, 0x06])
CLASS3 = bytes([0x3C, 0x04, 0x06])


def crc_dnp(data):
    """CRC-16/DNP: reflected polynomial 0xA6BC, init 0, final complement."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return (~crc) & 0xFFFF


def _with_crc(block):
    return block + struct.pack("<H", crc_dnp(block))


def dnp3_frame(dst, src, user_data, master=True):
    """A link frame carrying user_data (transport + application bytes).
    master=True: DIR=1 (from the master); both primary, unconfirmed user
    data (link function 4)."""
    ctrl = 0xC4 if master else 0x44
    if len(user_data) > 250:
        raise ValueError("DNP3 user data over 250 bytes needs several frames")
    head = struct.pack("<BBBBHH", 0x05, 0x64, 5 + len(user_data), ctrl, dst, src)
    out = _with_crc(head)
    for i in range(0, len(user_data), 16):
        out += _with_crc(user_data[i:i + 16])
    return out


def dnp3_request(dst, src, fc, objects=b"", seq=0, tseq=0):
    """Master -> outstation: transport FIR|FIN, application FIR|FIN."""
    app = bytes([0xC0 | (seq & 0x0F), fc]) + objects
    return dnp3_frame(dst, src, bytes([0xC0 | (tseq & 0x3F)]) + app, master=True)


def dnp3_response(dst, src, objects=b"", seq=0, tseq=0, iin=0x0000, fc=DNP3_RESPONSE):
    app = bytes([0xC0 | (seq & 0x0F), fc]) + struct.pack(">H", iin) + objects
    return dnp3_frame(dst, src, bytes([0xC0 | (tseq & 0x3F)]) + app, master=False)


def dnp3_crob(index, code=0x03, count=1, on_ms=1000, off_ms=0):
    """Object group 12 var 1 (CROB), one point by 1-byte index (qualifier 0x17)."""
    return (bytes([0x0C, 0x01, 0x17, 0x01, index & 0xFF])
            + struct.pack("<BBIIB", code, count, on_ms, off_ms, 0))


def dnp3_analog_points(values):
    """Object group 30 var 2 (16-bit analog with flag), start-stop qualifier."""
    n = len(values)
    return (bytes([0x1E, 0x02, 0x00, 0x00, n - 1])
            + b"".join(struct.pack("<Bh", 0x01, v) for v in values))
