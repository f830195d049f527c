#!/usr/bin/env python3
"""Rewrites a zap production JSON log (as examples/gen_access_log.rs writes
it) in the two other encodings of the corpus's zapsvc: zap's development
console encoder and logfmt, so throughput can be measured per format.

    benches/convert_formats.py IN.jsonl OUT_PREFIX   # writes OUT_PREFIX.console.log, .logfmt.log

Console: TIME<TAB>LEVEL<TAB>CALLER<TAB>MSG<TAB>{fields} with ": " separators.
logfmt: ts=RFC3339Nano (trailing zeros trimmed) level=… msg=… then the fields,
strings with spaces or empty quoted as Go's strconv.Quote does.
"""
import json
import sys
from datetime import datetime, timezone

ZAP = ("level", "ts", "caller", "msg")


def rfc3339(ns, millis=False):
    secs, frac = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(secs, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        return "%s.%03dZ" % (base, frac // 1_000_000)
    f = ("%09d" % frac).rstrip("0")
    return base + ("." + f if f else "") + "Z"


def ts_ns(rec):
    if "ts_ns" in rec:
        return rec["ts_ns"]
    whole, _, frac = repr(rec["ts"]).partition(".")
    return int(whole) * 1_000_000_000 + int((frac + "000000000")[:9])


def quote(v):
    if isinstance(v, str):
        if v == "" or any(c in v for c in ' "=\\') or not v.isprintable():
            return json.dumps(v)
        return v
    return json.dumps(v)


def main():
    src, prefix = sys.argv[1], sys.argv[2]
    with open(src) as f, open(prefix + ".console.log", "w") as con, open(prefix + ".logfmt.log", "w") as lf:
        for line in f:
            rec = json.loads(line)
            fields = {k: v for k, v in rec.items() if k not in ZAP}
            ns = ts_ns(rec)
            con.write("%s\t%s\t%s\t%s" % (rfc3339(ns, millis=True), rec["level"].upper(), rec["caller"], rec["msg"]))
            if fields:
                con.write("\t" + json.dumps(fields, separators=(", ", ": ")))
            con.write("\n")
            parts = ["ts=" + rfc3339(ns), "level=" + rec["level"], "msg=" + quote(rec["msg"])]
            parts += ["%s=%s" % (k, quote(v)) for k, v in fields.items() if k != "ts_ns"]
            lf.write(" ".join(parts) + "\n")


if __name__ == "__main__":
    main()
