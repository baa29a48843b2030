#!/usr/bin/env python3
"""Checks a ReadAudit inclusion proof without ReadAudit: Python's standard library and the openssl command.

    python3 scripts/verify_proof.py proof.json checkpoint-public-keys.txt

proof.json is `readaudit prove --event ID` output; the public keys file is `readaudit keys public` output,
as the auditors keep it. Exit 0 and "OK: ..." when the event is in the journal the checkpoint signed;
exit 1 and "FAILED: ..." otherwise. Formats: README "Evidence" and docs/canonical-encoding.md.
"""
import base64, calendar, hashlib, json, os, re, struct, subprocess, sys, tempfile


def u32(n): return struct.pack(">I", n)
def i64(n): return struct.pack(">q", n)
def blob(b): return u32(len(b)) + b
def text(s): return blob(s.encode("utf-8"))
def optional(s): return b"\x00" if s is None else b"\x01" + text(s)
def str_list(xs): return u32(len(xs)) + b"".join(text(x) for x in xs)
def str_map(m):
    keys = sorted(m, key=lambda k: k.encode("utf-8"))
    return u32(len(m)) + b"".join(text(k) + text(m[k]) for k in keys)


def microseconds(stamp):
    y, mo, d, h, mi, s, us = map(int, re.fullmatch(
        r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})Z", stamp).groups())
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) * 1_000_000 + us


def canonical(e):
    """The event's canonical encoding, version 1 (docs/canonical-encoding.md)."""
    return b"".join([
        text("readaudit.event.v1"), i64(e["seq"]), text(e["id"]), i64(microseconds(e["time"])),
        text(e["node"]), text(e["action"]), text(e["outcome"]),
        optional(e["code"]), optional(e["credential"]), optional(e["agent"]),
        optional(e["interaction"]), optional(e["customer"]),
        str_list(e["fields"]), str_list(e["masked"]), optional(e["source"]),
        str_map(e["genesys"]), str_map(e["detail"]), blob(bytes.fromhex(e["prevHash"])),
    ])


def sha256(b): return hashlib.sha256(b).digest()
def leaf_hash(entry_hash): return sha256(b"\x00" + entry_hash)
def node_hash(left, right): return sha256(b"\x01" + left + right)


def verify_inclusion(leaf, index, size, path, root):
    """RFC 9162, section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def public_keys(path):
    keys = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "readaudit-ed25519":
                raw = base64.b64decode(parts[2])
                if hashlib.sha256(raw).hexdigest()[:16] != parts[1]:
                    raise SystemExit("FAILED: public key %s does not match its id" % parts[1])
                keys[parts[1]] = raw
    return keys


def signature_valid(statement, signature, raw_public_key):
    """Ed25519 with `openssl pkeyutl` (OpenSSL 3): the raw key wrapped in its fixed SubjectPublicKeyInfo."""
    der = bytes.fromhex("302a300506032b6570032100") + raw_public_key
    pem = "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % base64.b64encode(der).decode()
    with tempfile.TemporaryDirectory() as directory:
        files = {}
        for name, content in (("key.pem", pem.encode()), ("statement", statement), ("signature", signature)):
            files[name] = os.path.join(directory, name)
            with open(files[name], "wb") as f:
                f.write(content)
        result = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", files["key.pem"], "-rawin",
             "-in", files["statement"], "-sigfile", files["signature"]], capture_output=True)
        return result.returncode == 0


def check(proof, keys):
    event, checkpoint = proof["event"], proof["checkpoint"]
    if proof.get("format") != "readaudit.inclusion-proof.v1":
        return "not a readaudit inclusion proof"
    if hashlib.sha256(canonical(event)).hexdigest() != event["hash"]:
        return "the event's contents do not match its hash: it was altered"
    size = int(checkpoint["size"])
    if proof["leafIndex"] != event["seq"] - 1 or proof["treeSize"] != size:
        return "leafIndex/treeSize do not match the event and the checkpoint"
    path = [bytes.fromhex(h) for h in proof["path"]]
    if not verify_inclusion(leaf_hash(bytes.fromhex(event["hash"])), event["seq"] - 1, size, path,
                            bytes.fromhex(checkpoint["root"])):
        return "the audit path does not lead from the event to the checkpoint's Merkle root"
    key = keys.get(checkpoint["keyId"])
    if key is None:
        return "the checkpoint is signed by key %s, which is not among the trusted public keys" % checkpoint["keyId"]
    statement = ("readaudit.checkpoint.v1\nnode %s\nsize %d\nhead %s\nroot %s\ntime %s\n" % (
        checkpoint["node"], size, checkpoint["head"], checkpoint["root"], checkpoint["signedAt"])).encode("utf-8")
    if not signature_valid(statement, base64.b64decode(checkpoint["signature"]), key):
        return "the checkpoint's signature is invalid"
    return None


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        document = json.load(f)
    try:
        problem = check(document, public_keys(sys.argv[2]))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        problem = "malformed proof (%s)" % error
    if problem:
        print("FAILED: " + problem)
        sys.exit(1)
    e, c = document["event"], document["checkpoint"]
    print("OK: event %s is entry %d of the %s entries signed by node %s" % (e["id"], e["seq"], c["size"], c["node"]))
