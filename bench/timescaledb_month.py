#!/usr/bin/env python3
"""One Fluvius meter at one telegram per second into TimescaleDB: size, insert rate and dashboard query times.

    bench/timescaledb_month.py [--days 30] [--sink-telegrams 20000] [--collector .build/debug/smartmeter-datacollector]

Needs PostgreSQL 15 with TimescaleDB installed (scripts/timescaledb-for-tests) and a built collector. Steps:
1. a throw-away cluster preloading TimescaleDB; the collector's `timescaledb` sink (default options) creates the
   tables, the aggregates and the policies, and stores --sink-telegrams Fluvius telegrams replayed at full speed from a
   file: the insert rate through the sink;
2. --days of one-second readings (18 rows per telegram, the names the sink stored) generated inside the database,
   slowly varying values at the meter's resolution, ending now;
3. sizes before and after compressing every chunk, the aggregates refreshed, and the bytes per meter-year with the
   default options (the last 7 days raw, the rest compressed, aggregates kept) extrapolated from the fill;
4. every Grafana dashboard query over the whole fill and over its last day, timed (best of 3).
"""
import argparse, json, os, pathlib, re, shutil, socket, subprocess, sys, tempfile, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from crc16 import arc as crc16_arc  # noqa: E402  the P1 checksum (also for http_load.py)
BIN = "/usr/lib/postgresql/15/bin"


def as_postgres(cmd):
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + cmd if os.getuid() == 0 else cmd


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tsbench-")
        os.chmod(self.dir, 0o777)
        self.port = free_port()
        self.data = self.dir + "/data"
        subprocess.run(as_postgres([BIN + "/initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                    "--locale=C.UTF-8", "--no-sync"]), check=True, stdout=subprocess.DEVNULL)
        with open(self.data + "/postgresql.conf", "a") as conf:
            conf.write(f"""
listen_addresses = '127.0.0.1'
port = {self.port}
unix_socket_directories = '{self.dir}'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
fsync = off
synchronous_commit = on
shared_buffers = 256MB
max_wal_size = 4GB
""")
        subprocess.run(as_postgres([BIN + "/pg_ctl", "-D", self.data, "-l", self.dir + "/log", "-w", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        self.psql("CREATE DATABASE premises", db="postgres")

    def psql(self, sql, db="premises", timing=False):
        text = ("\\timing on\n" if timing else "") + sql
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                              str(self.port), "-U", "postgres", "-d", db], input=text, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(out.stderr + "\n" + sql[:2000])
        return out.stdout.strip()

    def stop(self):
        subprocess.run(as_postgres([BIN + "/pg_ctl", "-D", self.data, "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def telegrams(count):
    """The Fluvius capture, one second apart from 2020-05-12 14:00:00 (CEST), P+ varying, checksums recomputed."""
    template = (ROOT / "testdata/dsmr/fluvius-v171.txt").read_text()
    out = bytearray()
    for i in range(count):
        t = time.gmtime(1589284800 + i + 7200)  # printed as local summer time
        stamp = time.strftime("%y%m%d%H%M%S", t)
        text = template.replace("0-0:1.0.0(200512135409S)", f"0-0:1.0.0({stamp}S)")
        text = text.replace("1-0:1.7.0(00.000*kW)", "1-0:1.7.0(%06.3f*kW)" % ((i % 5000) / 1000))
        body = text[: text.index("!") + 1].encode()
        out += body + b"%04X\r\n" % crc16_arc(body)
    return bytes(out)


def sink_run(cluster, collector, count, work):
    capture = work / "telegrams.txt"
    capture.write_bytes(telegrams(count))
    ini = work / "c.ini"
    ini.write_text(f"""[reader0]
type = fluvius
file = {capture}
replay_speed = max

[sink0]
type = timescaledb
host = 127.0.0.1
port = {cluster.port}
user = postgres
sslmode = disable
spool_dir = {work / 'spool'}
spool_max_mb = 2000

[logging]
default = WARNING
""")
    # Set up first (extension, aggregates, policies), so the timed run measures inserts only.
    warm = work / "warm.ini"
    warm.write_text(ini.read_text().replace(str(capture), str(ROOT / "testdata/dsmr/fluvius-v171.txt")))
    subprocess.run([collector, "-c", str(warm)], check=True, capture_output=True, timeout=120)
    before = int(cluster.psql("SELECT count(*) FROM elec_measurement"))
    started = time.monotonic()
    subprocess.run([collector, "-c", str(ini)], capture_output=True, timeout=3600)
    # What the run left in the spool is stored by a second run with nothing to read.
    while int(cluster.psql("SELECT count(DISTINCT time) FROM elec_measurement")) < count:
        subprocess.run([collector, "-c", str(warm)], capture_output=True, timeout=120)
    elapsed = time.monotonic() - started
    rows = int(cluster.psql("SELECT count(*) FROM elec_measurement")) - before
    return {"telegrams": count, "rows": rows, "seconds": round(elapsed, 1),
            "telegrams_per_s": round(count / elapsed), "rows_per_s": round(rows / elapsed)}


def fill(cluster, days):
    names = cluster.psql("SELECT DISTINCT obis_name FROM elec_measurement ORDER BY 1").split("\n")
    cluster.psql("TRUNCATE elec_measurement")
    started = time.monotonic()
    for day in range(days, 0, -1):
        # Per name: register (kWh, rising), power (kW, a daily curve), voltage (V) or current (A), at meter resolution.
        cluster.psql(f"""
INSERT INTO elec_measurement (time, device_id, obis_name, value)
SELECT t, '1SAG1100000001', n,
  CASE
    WHEN n LIKE 'A+%' THEN round((10000 + extract(epoch FROM t - '2020-01-01') / 7200.0)::numeric, 3)
    WHEN n LIKE 'A-%' THEN round((2000 + extract(epoch FROM t - '2020-01-01') / 36000.0)::numeric, 3)
    WHEN n LIKE 'U%' THEN round((230 + 3 * sin(extract(epoch FROM t) / 5400.0) + random() * 0.2)::numeric, 1)
    WHEN n LIKE 'I%' THEN round((2 + 1.5 * sin(extract(epoch FROM t) / 3600.0) + random() * 0.05)::numeric, 2)
    ELSE round(greatest(0, 0.6 + 0.5 * sin(extract(epoch FROM t) / 3600.0) + random() * 0.01)::numeric, 3)
  END
FROM generate_series(date_trunc('day', now()) - interval '{day} days',
                     date_trunc('day', now()) - interval '{day - 1} days' - interval '1 second', interval '1 second') t,
     unnest(ARRAY[{', '.join("'" + n + "'" for n in names)}]) n
""")
        print(f"  day {days - day + 1}/{days} filled ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    # Gas every 5 minutes, the running peak every quarter-hour, the 13-month history: small beside the above.
    cluster.psql(f"""
INSERT INTO mbus_measurement (time, device_id, mbus_id, mbus_type, value)
SELECT t, '1SAG1100000001', '37464C4F32313139303333373931', 'gas',
       round((1000 + extract(epoch FROM t - '2020-01-01') / 86400.0 * 2.5)::numeric, 3)
FROM generate_series(date_trunc('day', now()) - interval '{days} days', date_trunc('day', now()) - interval '1 second',
                     interval '5 minutes') t;
INSERT INTO peak_demand (time, device_id, value)
SELECT t, '1SAG1100000001', round((2 + random())::numeric, 3)
FROM generate_series(date_trunc('day', now()) - interval '{days} days', date_trunc('day', now()) - interval '1 second',
                     interval '15 minutes') t;
INSERT INTO peak_demand_history (time, device_id, occurred, value)
SELECT date_trunc('month', now()) - make_interval(months => m), '1SAG1100000001',
       date_trunc('month', now()) - make_interval(months => m) + interval '9 days 18 hours', 3 + m / 10.0
FROM generate_series(1, 13) m;
""")
    return names, time.monotonic() - started


def dashboard_queries():
    out = []
    for path in sorted((ROOT / "etc/grafana/dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        def walk(panels):
            for panel in panels:
                for target in panel.get("targets", []):
                    if "rawSql" in target:
                        out.append((path.name, panel.get("title", "?"), target["rawSql"]))
                walk(panel.get("panels", []))
        walk(board.get("panels", []))
        for variable in board.get("templating", {}).get("list", []):
            if "query" in variable:
                out.append((path.name, "variable " + variable["name"], variable["query"]))
    return out


def expand(sql, start, end, device, interval_s):
    sql = re.sub(r"\$__timeFilter\((\w+)\)", rf"\1 BETWEEN '{start}' AND '{end}'", sql)
    sql = sql.replace("$__timeFrom()", f"'{start}'").replace("$__timeTo()", f"'{end}'")
    def group(match, alias):
        width = {"'15m'": 900, "'1h'": 3600}.get(match.group(2).strip(), interval_s)
        text = f"to_timestamp(floor(extract(epoch FROM {match.group(1)}) / {width}) * {width})"
        return text + (' AS "time"' if alias else "")
    sql = re.sub(r"\$__timeGroupAlias\((\w+),([^)]*)\)", lambda m: group(m, True), sql)
    sql = re.sub(r"\$__timeGroup\((\w+),([^)]*)\)", lambda m: group(m, False), sql)
    return sql.replace("$__interval_ms", str(interval_s * 1000)).replace("$device", device)


def time_query(cluster, sql):
    best, rows = None, 0
    for _ in range(3):
        out = cluster.psql(sql + ";\n", timing=True)
        times = [float(m) for m in re.findall(r"Time: ([0-9.]+) ms", out)]
        rows = len([line for line in out.split("\n") if line and not line.startswith("Time:")])
        best = min(best or times[-1], times[-1])
    return best, rows


def size(cluster, relation):
    return int(cluster.psql(f"SELECT hypertable_size('{relation}')"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--sink-telegrams", type=int, default=20000)
    parser.add_argument("--collector", default=str(ROOT / ".build/debug/smartmeter-datacollector"))
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="tsbench-work-"))
    cluster = Cluster()
    report = {"days": args.days}
    try:
        print("insert through the sink ...", file=sys.stderr, flush=True)
        report["sink"] = sink_run(cluster, args.collector, args.sink_telegrams, work)
        print(json.dumps(report["sink"]), file=sys.stderr, flush=True)
        print(f"fill {args.days} days inside the database ...", file=sys.stderr, flush=True)
        names, seconds = fill(cluster, args.days)
        rows = int(cluster.psql("SELECT count(*) FROM elec_measurement"))
        report["fill"] = {"rows": rows, "rows_per_telegram": len(names), "seconds": round(seconds),
                          "rows_per_s": round(rows / seconds)}
        cluster.psql("VACUUM ANALYZE")
        raw = size(cluster, "elec_measurement")
        started = time.monotonic()
        cluster.psql("SELECT count(compress_chunk(c)) FROM show_chunks('elec_measurement') c")
        compress_s = time.monotonic() - started
        compressed = size(cluster, "elec_measurement")
        started = time.monotonic()
        for view in ("elec_measurement_15min", "elec_measurement_hourly", "elec_measurement_daily"):
            cluster.psql(f"CALL refresh_continuous_aggregate('{view}', NULL, NULL)")
        refresh_s = time.monotonic() - started
        cluster.psql("VACUUM ANALYZE")
        aggregates = sum(size(cluster, v) for v in
                         cluster.psql("SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) "
                                      "FROM timescaledb_information.continuous_aggregates").split("\n"))
        per_day_raw, per_day_compressed, per_day_aggregates = raw / args.days, compressed / args.days, aggregates / args.days
        year = 7 * per_day_raw + 358 * per_day_compressed + 365 * per_day_aggregates
        report["size"] = {
            "raw_bytes": raw, "raw_bytes_per_row": round(raw / rows, 1),
            "compressed_bytes": compressed, "compressed_bytes_per_row": round(compressed / rows, 2),
            "ratio": round(raw / compressed, 1), "aggregate_bytes": aggregates,
            "compress_seconds": round(compress_s), "refresh_seconds": round(refresh_s),
            "meter_year_bytes_default_options": round(year), "meter_year_gb": round(year / 1e9, 2),
        }
        print(json.dumps(report["size"]), file=sys.stderr, flush=True)
        end = cluster.psql("SELECT max(time) FROM elec_measurement")
        # Grafana's $__interval for a panel about 1000 points wide.
        ranges = {"year": (cluster.psql(f"SELECT timestamptz '{end}' - interval '365 days'"), end, 3600 * 8),
                  "fill": (cluster.psql("SELECT min(time) FROM elec_measurement"), end, 60 * 30 * args.days // 30 or 60),
                  "day": (cluster.psql(f"SELECT timestamptz '{end}' - interval '23 hours 59 minutes'"), end, 60)}
        report["queries"] = []
        for board, panel, sql in dashboard_queries():
            for label, (start, stop, interval) in ranges.items():
                ms, count = time_query(cluster, expand(sql, start, stop, "1SAG1100000001", interval))
                report["queries"].append({"query": f"{board} / {panel}", "range": label, "ms": round(ms, 1), "rows": count})
                print(f"  {ms:9.1f} ms {count:6d} rows  {label:4s}  {board} / {panel}", file=sys.stderr, flush=True)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
