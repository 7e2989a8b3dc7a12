#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed inputs of tests/fuzz/corpus/ (checked in; rerun to
change them). Seeds are well-formed inputs that reach deep into each
parser, so the fuzzer starts from valid structure and mutates from there.
Regression inputs (regress-*) are added by hand and cov-* by libFuzzer's
-merge (docs/reliability.md), never by this script."""
import glob
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    mode = "wb" if isinstance(data, (bytes, bytearray)) else "w"
    with open(os.path.join(d, "seed-" + name), mode) as f:
        f.write(data)


# ---- YAML: the examples and a few small ones --------------------------------
for p in sorted(glob.glob(os.path.join(TOP, "examples", "*.yaml"))):
    with open(p) as f:
        out("fuzz_manifest", os.path.basename(p), f.read())
out("fuzz_manifest", "small.yaml", """name: tiny
pcpus: 2
admission: { ctx_switch: 5us, period_min: 1ms, period_max: 4ms, period_step: 1ms }
cpupools:
  - { name: rt, sched: rtds, cpus: [0, 1] }
domains:
  - name: dd
    role: driver-domain
    cpupool: rt
    vcpus: 1
    memory: 256
    pci: [ { bdf: "0000:03:00.0", permissive: true } ]
  - name: app
    role: rt-guest
    cpupool: rt
    vcpus: 1
    memory: 128
    sched: rm
    tasks: [ { name: t, period: 2ms, wcet: 200us } ]
    vbds: [ { backend: dd, target: /dev/null, vdev: xvda, mode: ro, io: { period: 1ms, cost: 20us } } ]
    vifs: [ { backend: dd, mac: "00:16:3e:00:00:01", class: rt, vlan: 5, pcp: 3, rate: 10M, io: { period: 2ms, cost: 30us, max_delay: 1ms } } ]
""")
for p in sorted(glob.glob(os.path.join(TOP, "examples", "rtds", "*.yaml"))):
    with open(p) as f:
        out("fuzz_rtds", os.path.basename(p), f.read())

# ---- xenstore: records of u8 op, u16 len, bytes -----------------------------
XS = dict(CONTROL=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5,
          TRANSACTION_START=6, TRANSACTION_END=7, INTRODUCE=8, RELEASE=9,
          GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13, SET_PERMS=14,
          WATCH_EVENT=15, ERROR=16, IS_DOMAIN_INTRODUCED=17, RESUME=18,
          SET_TARGET=19, RESET_WATCHES=21, DIRECTORY_PART=22)


def msg(t, body, req=1, tx=0):
    if isinstance(body, str):
        body = body.encode()
    return struct.pack("<IIII", XS[t], req, tx, len(body)) + body


def rec(op, data):
    return struct.pack("<BH", op, len(data)) + data


def xs(name, recs, small=False):
    out("fuzz_xenstore", name, bytes([1 if small else 0]) + b"".join(recs))


xs("guest-basic", [rec(1, msg("WRITE", "data/x\0hello")),
                   rec(1, msg("READ", "data/x\0")),
                   rec(1, msg("DIRECTORY", "data\0")),
                   rec(1, msg("GET_PERMS", "data/x\0")),
                   rec(1, msg("MKDIR", "data/d\0")),
                   rec(1, msg("RM", "data/x\0")),
                   rec(1, msg("GET_DOMAIN_PATH", "1\0"))])
xs("guest-perms", [rec(1, msg("WRITE", "data/p\0v")),
                   rec(1, msg("SET_PERMS", "data/p\0n1\0r2\0b0\0")),
                   rec(2, msg("READ", "/local/domain/1/data/p\0")),
                   rec(2, msg("WRITE", "/local/domain/1/data/p\0evil"))])
xs("watches", [rec(1, msg("WATCH", "data\0tok\0")),
               rec(0, msg("WATCH", "@introduceDomain\0i\0")),
               rec(0, msg("WATCH", "@releaseDomain\0r\0")),
               rec(1, msg("WRITE", "data/w\0v")),
               rec(4, b""),
               rec(1, msg("UNWATCH", "data\0tok\0")),
               rec(1, msg("RESET_WATCHES", ""))])
xs("transaction", [rec(1, msg("TRANSACTION_START", "\0")),
                   rec(1, msg("WRITE", "data/t\0in-tx", tx=1)),
                   rec(2, msg("READ", "/local/domain/1/data/t\0")),
                   rec(1, msg("TRANSACTION_END", "T\0", tx=1)),
                   rec(1, msg("TRANSACTION_START", "\0", req=2)),
                   rec(1, msg("RM", "data\0", tx=2)),
                   rec(1, msg("TRANSACTION_END", "F\0", tx=2))])
xs("dom0-priv", [rec(0, msg("INTRODUCE", "5\0" "1234\0" "7\0")),
                 rec(0, msg("IS_DOMAIN_INTRODUCED", "1\0")),
                 rec(0, msg("SET_TARGET", "2\0" "1\0")),
                 rec(0, msg("CONTROL", "check\0")),
                 rec(0, msg("CONTROL", "quota\0" "1\0")),
                 rec(0, msg("RESUME", "1\0")),
                 rec(0, msg("RELEASE", "2\0")),
                 rec(1, msg("INTRODUCE", "5\0" "1\0" "1\0"))])
xs("dirpart", [rec(0, msg("DIRECTORY_PART", "/local/domain\0" "0\0")),
               rec(1, msg("DIRECTORY_PART", "data\0" "3\0"))])
xs("quota-small", [rec(1, msg("WRITE", "data/q%d\0v" % i, req=i))
                   for i in range(12)] +
   [rec(1, msg("WATCH", "data/%d\0t" % i)) for i in range(6)] +
   [rec(1, msg("TRANSACTION_START", "\0")) for i in range(4)], small=True)
# split header, two messages in one write, an oversized length (closes)
m = msg("WRITE", "data/s\0split")
xs("framing", [rec(1, m[:5]), rec(1, m[5:] + msg("READ", "data/s\0")),
               rec(3 | (1 << 3), b""),
               rec(1, struct.pack("<IIII", 2, 1, 0, 5000))])

# ---- blkif: limits (u64 sectors, u8 small, u8 align, u16 indirect, u8 feat),
# one 112-byte slot, indirect segments --------------------------------------
def limits(sectors=1 << 21, small=0, align=0, ind=256, feat=6):
    return struct.pack("<QBBHB", sectors, small, align, ind, feat)


def seg(gref, first, last):
    return struct.pack("<IBBxx", gref, first, last)


def rw(op, nseg, sector, segs, rid=7):
    b = struct.pack("<BBHQQ", op, nseg, 0x300, rid, sector)
    b += b"".join(segs)
    return b.ljust(112, b"\0")


out("fuzz_blkif", "read", limits() + rw(0, 2, 8, [seg(10, 0, 7), seg(11, 0, 3)]))
out("fuzz_blkif", "write-ro", limits(feat=1) + rw(1, 1, 0, [seg(10, 0, 7)]))
out("fuzz_blkif", "write-4k", limits(align=3) + rw(1, 1, 16, [seg(10, 0, 7)]))
out("fuzz_blkif", "flush", limits() + rw(3, 0, 0, []))
out("fuzz_blkif", "barrier", limits() + rw(2, 1, 0, [seg(1, 0, 7)]))
disc = struct.pack("<BBHQQQ", 5, 1, 0x300, 9, 100, 50).ljust(112, b"\0")
out("fuzz_blkif", "discard", limits() + disc)
out("fuzz_blkif", "range-end", limits(sectors=64) + rw(0, 1, 60, [seg(1, 0, 7)]))
ind = struct.pack("<BBHHxxQQ", 6, 0, 32, 0x300, 11, 24)
ind += struct.pack("<8I", 100, 0, 0, 0, 0, 0, 0, 0)
ind = ind.ljust(112, b"\0")
out("fuzz_blkif", "indirect", limits() + ind +
    b"".join(seg(200 + i, 0, 7) for i in range(32)))
ind2 = bytearray(ind)
ind2[1] = 1  # indirect write
out("fuzz_blkif", "indirect-badseg", limits() + bytes(ind2) +
    b"".join(seg(200 + i, 3, 2 if i == 5 else 7) for i in range(32)))

# ---- netif TX: u16 max_len, u8 flags, u32 cons, u16/u32 prod, ring page ----
def txreq(gref, off, flags, rid, size):
    return struct.pack("<IHHHH", gref, off, flags, rid, size)


def ring(slots, start=0):
    page = bytearray(4096)
    hdr = struct.pack("<IIII", 0, 0, 0, 0)
    page[:16] = hdr
    n = 256
    for i, s in enumerate(slots):
        idx = (start + i) % n
        page[64 + 12 * idx:64 + 12 * idx + 12] = s
    return bytes(page)


MORE, EXTRA, CSUM = 4, 8, 1


def tx(name, slots, cons=0, flags=2, max_len=1518):
    hdr = struct.pack("<HBIH", max_len, flags, cons, len(slots))
    out("fuzz_netif_tx", name, hdr + ring(slots, cons))


tx("single", [txreq(1, 0, CSUM, 1, 60)])
tx("chain3", [txreq(1, 0, MORE, 1, 3000), txreq(2, 0, MORE, 2, 1500),
              txreq(3, 0, 0, 3, 500)])
gso = struct.pack("<BBHBBH", 1, 0, 1448, 1, 0, 0).ljust(12, b"\0")
tx("gso", [txreq(1, 0, EXTRA | MORE, 1, 3000), gso,
           txreq(2, 0, 0, 2, 1000)], flags=3)
mc = struct.pack("<BB6s", 2, 0, b"\x01\x00\x5e\x00\x00\x01").ljust(12, b"\0")
tx("mcast", [txreq(0, 0, EXTRA, 1, 0), mc, txreq(1, 0, 0, 2, 60)])
tx("wrap", [txreq(1, 0, MORE, 1, 200), txreq(2, 0, 0, 2, 100)], cons=255)
tx("long-chain", [txreq(i, 0, MORE, i, 100) for i in range(22)] +
   [txreq(99, 0, 0, 99, 100)])
tx("cross-page", [txreq(1, 4000, 0, 1, 200)])

# ---- checksums: Ethernet frames --------------------------------------------
def eth(et, payload, vlan=None):
    h = b"\x02" * 6 + b"\x04" * 6
    if vlan is not None:
        h += struct.pack(">HH", 0x8100, vlan)
    return h + struct.pack(">H", et) + payload


def ipv4(proto, l4):
    tot = 20 + len(l4)
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, tot, 1, 0x4000, 64, proto,
                       0, b"\x0a\0\0\1", b"\x0a\0\0\2") + l4


def ipv6(nh, l4):
    return struct.pack(">IHBB16s16s", 6 << 28, len(l4), nh, 64,
                       b"\xfe\x80" + b"\0" * 13 + b"\1",
                       b"\xfe\x80" + b"\0" * 13 + b"\2") + l4


tcp = struct.pack(">HHIIBBHHH", 1234, 80, 1, 0, 0x50, 0x18, 1024, 0, 0) + b"hi"
udp = struct.pack(">HHHH", 5000, 53, 8 + 4, 0) + b"ping"
out("fuzz_net_csum", "v4-tcp", eth(0x0800, ipv4(6, tcp)))
out("fuzz_net_csum", "v4-udp-vlan", eth(0x0800, ipv4(17, udp), vlan=5))
out("fuzz_net_csum", "v6-udp", eth(0x86dd, ipv6(17, udp)))
out("fuzz_net_csum", "v6-tcp", eth(0x86dd, ipv6(6, tcp)))

# ---- netback's text keys: buffer lists and rate (fuzz_netif_keys.c) --------
for i, (lim, s) in enumerate([(255, "8-263"), (255, "8-100,140,150-304"),
                              (4, "1,2,3,4"), (4, "1-5"), (255, "9-8"),
                              (255, "4294967295"), (255, "100,1000"),
                              (255, "1,,2"), (255, "0-4294967295")]):
    out("fuzz_netif_keys", "k%d" % i, bytes([lim]) + s.encode())

# ---- PCI --------------------------------------------------------------------
for i, s in enumerate(["0000:03:00.0", "03:00.0", "10000:ff:1f.7",
                       "0000:00:20.0", "0000:00:00.8", "0000:3:0.0",
                       "ABCD:EF:0a.1", "0000:00:00.0 "]):
    out("fuzz_pci_bdf", "bdf%d" % i, s)
fix = os.path.join(TOP, "tests", "fixtures", "pci", "sys", "devices")
configs = []
for d, dirs, files in os.walk(fix):  # os.walk does not follow the links
    if "config" in files:
        configs.append(os.path.join(d, "config"))
for p in sorted(configs):
    bdf = os.path.basename(os.path.dirname(p))
    with open(p, "rb") as f:
        cfg = f.read()
    flags = 1 if bdf.startswith("0000:01:") else 0
    out("fuzz_pci_config", bdf.replace(":", "_"),
        bytes([flags, 11]) + bytes([0x82, 0xa3, 0, 0, 0, 0]) + cfg)

# ---- netfront: a backend's TX/RX responses (fuzz_netfront_rsp.c) -----------
RXF_MORE, RXF_EXTRA, XF_MORE = 4, 8, 1


def nf_send(lens, big=True):
    return bytes([0, len(lens) - 1]) + b"".join(
        struct.pack("<H", n) for n in lens) + bytes([1 if big else 0])


def nf_tx(rsps):  # (mode, id, status): mode 1 = the request's own id
    return bytes([1, len(rsps)]) + b"".join(
        struct.pack("<BHh", m, i, st) for m, i, st in rsps)


def nf_rx(rsps):  # (mode, id, offset, flags, status): mode 1 = slot's id
    return bytes([2, len(rsps)]) + b"".join(
        struct.pack("<BHHHh", m, i, o, f, st) for m, i, o, f, st in rsps)


def nf_take(n=8, cap=65535):
    return bytes([5, n - 1]) + struct.pack("<H", cap)


NF_COMPLETE = bytes([4])
ok_tx = nf_send([60, 1514, 9000]) + nf_tx([(1, 0, 0)] * 5) + NF_COMPLETE
ok_rx = nf_rx([(1, 0, 0, 0, 60),
               (1, 0, 0, RXF_MORE, 4096), (1, 0, 0, RXF_MORE, 4096),
               (1, 0, 0, 0, 808),
               (1, 0, 100, 0, 1400)]) + nf_take()
out("fuzz_netfront_rsp", "exchange", bytes([7, 0, 0xab]) + ok_tx + ok_rx +
    ok_tx + ok_rx)
out("fuzz_netfront_rsp", "rx-small-cap", ok_rx[:-3] + nf_take(2, 100))
out("fuzz_netfront_rsp", "rx-partial-frame",
    nf_rx([(1, 0, 0, RXF_MORE, 4096)]) + nf_take() +
    nf_rx([(1, 0, 0, 0, 10)]) + nf_take())
out("fuzz_netfront_rsp", "rx-extra-info",
    nf_rx([(1, 0, 0, RXF_EXTRA | RXF_MORE, 1000),
           (0, (XF_MORE << 8) | 1, 0, 0, 0), (0, 2, 0, 0, 0),
           (1, 0, 0, 0, 500), (1, 0, 0, 0, 64)]) + nf_take())
out("fuzz_netfront_rsp", "rx-endless-more",
    nf_rx([(1, 0, 0, RXF_MORE, 100)] * 40) + nf_take())
out("fuzz_netfront_rsp", "rx-bad-fields",
    nf_rx([(0, 77, 0, 0, 60), (1, 0, 4000, 0, 200), (1, 0, 0, 0, -1),
           (1, 0, 4096, 0, 0), (1, 0, 0, 0, 0), (1, 0, 0, 0, 60)]) +
    nf_take())
out("fuzz_netfront_rsp", "rx-jump",
    nf_rx([(1, 0, 0, 0, 60)]) + bytes([3, 0]) + struct.pack("<I", 0x80000000)
    + nf_take())
out("fuzz_netfront_rsp", "tx-jump",
    nf_send([100]) + bytes([3, 1]) + struct.pack("<I", 300) + NF_COMPLETE)
out("fuzz_netfront_rsp", "tx-bad-id",
    nf_send([100, 100]) + nf_tx([(1, 0, 0), (0, 1000, 0)]) + NF_COMPLETE)
out("fuzz_netfront_rsp", "tx-twice",
    nf_send([100, 100]) + nf_tx([(1, 0, 0)]) + NF_COMPLETE +
    bytes([6, 1, 1]) + struct.pack("<HHHHHH", 0, 0, 255, 0, 0, 0) +
    nf_tx([(0, 255, 0)]) + NF_COMPLETE)
out("fuzz_netfront_rsp", "tx-errors",
    nf_send([1514] * 8) + nf_tx([(1, 0, -1), (1, 0, -2), (1, 0, 0)] * 2 +
                                [(1, 0, 0)] * 2) + NF_COMPLETE +
    nf_send([65535, 0]) + nf_send([70000 & 0xffff], big=False))


def nf_fill(lens):  # rtdd__nf_tx_fill: the callback returns these lengths
    return bytes([8, len(lens) - 1]) + b"".join(
        struct.pack("<H", n) for n in lens)


out("fuzz_netfront_rsp", "send-fill",
    nf_fill([60, 1514, 4096, 0, 100]) + nf_tx([(1, 0, 0)] * 3) +
    NF_COMPLETE + nf_send([200]) + nf_fill([64] * 8) +
    nf_tx([(1, 0, 0)] * 9) + NF_COMPLETE)
out("fuzz_netfront_rsp", "send-fill-too-big",
    nf_fill([4097]) + nf_fill([100, 65535, 60]) + nf_tx([(1, 0, 0)]) +
    NF_COMPLETE)
out("fuzz_netfront_rsp", "send-fill-ring-full",
    nf_fill([1514] * 8) * 33 + nf_tx([(1, 0, 0)] * 63) * 5 + NF_COMPLETE +
    nf_fill([60] * 8))

# ---- blkfront: a backend's responses (fuzz_blkfront_rsp.c) -----------------
BF_RD, BF_WR, BF_FL, BF_DI, BF_ZC, BF_IND = 0, 1, 2, 3, 4, 8
BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_INDIRECT = 0, 1, 6


def bf_submit(reqs):  # (kind, sectors)
    return bytes([0, len(reqs) - 1]) + b"".join(
        struct.pack("<BH", k, n - 1) for k, n in reqs)


def bf_answer(rsps):  # (mode, id, op, status): mode 3 = the request's own
    return bytes([1, len(rsps) - 1]) + b"".join(
        struct.pack("<BQBh", m, i, o, st) for m, i, o, st in rsps)


def bf_take(n=32):
    return bytes([3, n])


def bf_fill(slot, byte):
    return bytes([5, slot, byte])


bf_ok = bf_submit([(BF_RD, 8), (BF_WR, 1), (BF_RD | BF_ZC, 8), (BF_FL, 1),
                   (BF_DI, 1), (BF_RD | BF_IND, 32), (BF_RD, 3)]) + \
    bf_answer([(3, 0, 0, 0)] * 7) + bf_take()
out("fuzz_blkfront_rsp", "exchange",
    bf_fill(0, 0xab) + bf_ok + bf_fill(1, 0x5a) + bf_ok + bf_ok)
out("fuzz_blkfront_rsp", "statuses",
    bf_submit([(BF_RD, 8)] * 4 + [(BF_DI, 1)]) +
    bf_answer([(3, 0, 0, -1), (3, 0, 0, -2), (3, 0, 0, 0), (3, 0, 0, 7),
               (3, 0, 0, -2)]) + bf_take(2) + bf_take())
out("fuzz_blkfront_rsp", "unknown-id",
    bf_submit([(BF_RD, 8)] * 2) + bf_answer([(2, 1000, 0, 0)]) + bf_take())
out("fuzz_blkfront_rsp", "twice",
    bf_submit([(BF_RD, 8)] * 2) + bf_answer([(3, 0, 0, 0)]) + bf_take() +
    bf_answer([(2, 0, 0, 0)]) + bf_take())
out("fuzz_blkfront_rsp", "wrong-op",
    bf_submit([(BF_RD, 8), (BF_WR | BF_IND, 20)]) +
    bf_answer([(1, 0, BLKIF_OP_INDIRECT, 0), (1, 0, BLKIF_OP_READ, 0)]) +
    bf_take())
out("fuzz_blkfront_rsp", "jump",
    bf_submit([(BF_RD, 8)] * 3) + bytes([2]) + struct.pack("<I", 3) +
    bf_take(1) + bytes([2]) + struct.pack("<I", 0xfffffff0) + bf_take())
out("fuzz_blkfront_rsp", "past-req-prod",
    bf_submit([(BF_RD, 8)]) + bf_answer([(3, 0, 0, 0)] * 2) + bf_take())
out("fuzz_blkfront_rsp", "scribble",
    bf_submit([(BF_RD, 8)] * 2) + bf_answer([(3, 0, 0, 0)] * 2) +
    bytes([4, 1]) + struct.pack("<QBBhI", 0, 0, 0, 0, 0) + bf_take())
out("fuzz_blkfront_rsp", "full-ring",
    bf_submit([(BF_RD, 1)] * 8) * 5 + bf_answer([(3, 0, 0, 0)] * 32) +
    bf_take(39) + bf_submit([(BF_WR, 1)] * 8) * 2)
