#!/usr/bin/env python3
"""Independent oracle for the devsign profile (protocol.md §7), written from the spec text in Python so the TypeScript
tests compare against bytes the TypeScript code did not make. Writes fixtures/devsign/vectors.json.

Run: python3 scripts/oracles/devsign_vectors.py
"""
import hashlib, hmac, json, struct, pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
MASTER = b"ofd-dev-master-key"

def tlv(tag, value):
    return struct.pack("<HH", tag, len(value)) + value

def children(t):
    """Direct children of a TLV (its value split into TLVs), as (tag, wire bytes)."""
    value = t[4:4 + struct.unpack_from("<H", t, 2)[0]]
    out, off = [], 0
    while off < len(value):
        tag, ln = struct.unpack_from("<HH", value, off)
        out.append((tag, value[off:off + 4 + ln]))
        off += 4 + ln
    return out

def mac(key, label, data):
    return hmac.new(key, label + data, hashlib.sha256).digest()

def k_fn(fn):
    return hmac.new(MASTER, fn.strip().encode("ascii"), hashlib.sha256).digest()

def fpd(k, doc):
    return bytes([0x21, 0x04]) + mac(k, b"FPD", b"".join(w for t, w in children(doc) if t != 1077))[:4]

def fps(k, doc):
    return bytes([0x81, 0x06]) + mac(k, b"FPS", doc)[:6]

def fpo(k, ack):
    return bytes([0x88, 0x06]) + mac(k, b"FPO", b"".join(w for t, w in children(ack) if t != 1078))[:6]

def fpp(k, ack):
    return bytes([0x82, 0x06]) + mac(k, b"FPP", ack)[:6]

container = bytes.fromhex((ROOT / "fixtures/vectors/container-fiscalReport-synthetic.hex").read_text().strip())
doc_len = struct.unpack_from(">H", container, 30)[0]
document = container[32:32 + doc_len]

fn = "9999078902013267"
k = k_fn(fn)
# An acknowledgement built by hand from §3.3, without the 1078 ФПО: INN padded to 12, FN 16, FD 1, time, 1068{1022=0}.
ack_wo_fpo = tlv(7, tlv(1017, b"7704211201  ") + tlv(1041, fn.encode()) + tlv(1040, struct.pack("<I", 1))
                 + tlv(1012, struct.pack("<I", 1460556840)) + tlv(1068, tlv(1022, b"\x00")))
sign_o = fpo(k, ack_wo_fpo)
kids = children(ack_wo_fpo)
ack = tlv(7, kids[0][1] + tlv(1078, sign_o) + b"".join(w for _, w in kids[1:]))

vectors = {
    "note": "devsign (protocol.md §7) vectors computed by scripts/oracles/devsign_vectors.py (Python hmac), independent of the TypeScript code",
    "masterKey": MASTER.decode(),
    "fiscalDriveNumber": fn,
    "kFn": k.hex(),
    "document": document.hex(),
    "fpd": fpd(k, document).hex(),
    "fps": fps(k, document).hex(),
    "ackWithoutFpo": ack_wo_fpo.hex(),
    "ack": ack.hex(),
    "fpo": sign_o.hex(),
    "fpp": fpp(k, ack).hex(),
}
(ROOT / "fixtures/devsign/vectors.json").write_text(json.dumps(vectors, indent=2) + "\n")
print(json.dumps(vectors, indent=2))
