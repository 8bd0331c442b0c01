#!/usr/bin/env python3
"""Load on the collector's web face while a meter sends (issue #21).

A Fluvius P1 meter on a pseudo-terminal (socat) sends --meter-rate telegrams/s, each different (clock and P+
follow the telegram number), into a collector with a JSON-lines sink and the web face. Meanwhile --clients
Server-Sent Events clients read the event stream and --rate requests/s go to the API, /metrics and /healthz
(a new connection each). Afterwards: every telegram sent must be in the JSON-lines file (the web face held
nothing back), every event client must have received every reading, no request may have failed, and the
collector's RSS must be flat (last 10 s against 10 s after the start, within --rss-slack-mb).

    bench/http_load.py [--binary .build/release/smartmeter-datacollector] [--seconds 60] [--clients 50]
                       [--rate 200] [--meter-rate 10] [--json FILE]

Prints the figures as JSON; exit status 0 when every check holds. CollectorTests/WebLoadTests runs a short,
light variant (debug build, 20 clients, 50 requests/s, 8 s).
"""
import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from timescaledb_month import crc16_arc  # the P1 checksum (CRC-16/ARC), beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = open(os.path.join(ROOT, "testdata/dsmr/fluvius-v171.txt"), encoding="utf-8").read()


def telegram(index):
    """Telegram `index`: clock 2020-05-12 HH:MM:SS moving on one second per telegram, P+ = index W."""
    hour, rest = divmod(index % 36000, 3600)
    minute, second = divmod(rest, 60)
    text = TEMPLATE.replace("0-0:1.0.0(200512135409S)", "0-0:1.0.0(200512%02d%02d%02dS)" % (hour + 10, minute, second))
    text = text.replace("1-0:1.7.0(00.000*kW)", "1-0:1.7.0(%06.3f*kW)" % ((index % 99999) / 1000))
    body = text[: text.index("!") + 1].encode()
    return body + ("%04X\r\n" % crc16_arc(body)).encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fetch(port, path):
    """One GET on a new connection: the whole response's bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def get(port, path):
    started = time.monotonic()
    data = fetch(port, path)
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, time.monotonic() - started


class EventClient(threading.Thread):
    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.readings, self.stop, self.error = port, 0, False, None

    def run(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
                raw = b""       # bytes as received: the head, then chunked transfer coding
                body = b""      # the event stream, de-chunked
                head_done = False
                marker = b"event: reading\n"
                while not self.stop:
                    try:
                        chunk = s.recv(65536)
                    except socket.timeout:
                        continue
                    if not chunk:
                        self.error = "closed by the server"
                        return
                    raw += chunk
                    if not head_done:
                        if b"\r\n\r\n" not in raw:
                            continue
                        raw = raw.split(b"\r\n\r\n", 1)[1]
                        head_done = True
                    while True:  # complete chunks: size line, data, CRLF
                        line_end = raw.find(b"\r\n")
                        if line_end < 0:
                            break
                        size = int(raw[:line_end].split(b";")[0], 16)
                        if len(raw) < line_end + 2 + size + 2:
                            break
                        body += raw[line_end + 2:line_end + 2 + size]
                        raw = raw[line_end + 2 + size + 2:]
                    self.readings += body.count(marker)
                    body = body[-(len(marker) - 1):] if not body.endswith(marker) else b""
        except OSError as error:
            self.error = str(error)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/smartmeter-datacollector"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--meter-rate", type=float, default=10)
    parser.add_argument("--rss-slack-mb", type=float, default=1.0)
    parser.add_argument("--min-rate-fraction", type=float, default=0.9,
                        help="share of --rate the requests must reach (a sanitizer build answers more slowly)")
    parser.add_argument("--json")
    arguments = parser.parse_args()

    work = tempfile.mkdtemp(prefix="http-load-")
    meter, feed = os.path.join(work, "meter"), os.path.join(work, "feed")
    socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={meter}", f"pty,raw,echo=0,link={feed}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    collector = None
    try:
        for _ in range(100):
            if os.path.exists(meter) and os.path.exists(feed):
                break
            time.sleep(0.05)
        port = free_port()
        jsonl = os.path.join(work, "readings.jsonl")
        config = os.path.join(work, "c.ini")
        with open(config, "w") as file:
            file.write(f"[reader0]\ntype = fluvius\nport = {meter}\n\n[sink0]\ntype = jsonl\nfile = {jsonl}\n\n"
                       f"[http]\nlisten = 127.0.0.1:{port}\n\n[logging]\ndefault = INFO\n")
        log = open(os.path.join(work, "collector.log"), "w")
        collector = subprocess.Popen([arguments.binary, "-c", config], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while "reading fluvius on" not in open(log.name).read():
            if time.monotonic() > deadline:
                raise SystemExit("the collector did not start:\n" + open(log.name).read())
            time.sleep(0.05)

        clients = [EventClient(port) for _ in range(arguments.clients)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 10
        while True:
            status = json.loads(urlopen_text(port, "/api/v1/status"))
            if status["web"]["event_clients"] == arguments.clients:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"only {status['web']['event_clients']} event clients connected")
            time.sleep(0.05)

        stop = threading.Event()
        sent = [0]
        requests, failures, latencies = [0], [0], []
        failure_kinds = {}
        lock = threading.Lock()

        def send_meter():
            fd = os.open(feed, os.O_WRONLY | os.O_NOCTTY)
            start = time.monotonic()
            index = 0
            while not stop.is_set():
                due = start + index / arguments.meter_rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                os.write(fd, telegram(index))
                index += 1
                sent[0] = index
            os.close(fd)

        paths = ["/api/v1/meters", "/api/v1/status", "/metrics", "/healthz", "/api/v1/meters/1SAG3101021605/history?minutes=60"]

        def load(worker, workers):
            start = time.monotonic()
            index = 0
            while not stop.is_set():
                due = start + (index * workers + worker) / arguments.rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                kind = None
                try:
                    code, latency = get(port, paths[index % len(paths)])
                    kind = None if code == 200 else f"status {code}"
                except OSError as error:
                    code, latency, kind = 0, 0, type(error).__name__
                with lock:
                    requests[0] += 1
                    latencies.append(latency)
                    if kind:
                        failures[0] += 1
                        failure_kinds[kind] = failure_kinds.get(kind, 0) + 1
                index += 1

        workers = 8
        threads = [threading.Thread(target=send_meter, daemon=True)]
        threads += [threading.Thread(target=load, args=(w, workers), daemon=True) for w in range(workers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        samples = []
        while time.monotonic() - started < arguments.seconds:
            time.sleep(1)
            samples.append((time.monotonic() - started, rss_kb(collector.pid)))
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        elapsed = time.monotonic() - started

        # Every telegram reaches the other sink and every event client.
        deadline = time.monotonic() + 15
        written = 0
        while time.monotonic() < deadline:
            written = sum(1 for _ in open(jsonl)) if os.path.exists(jsonl) else 0
            if written >= sent[0] and all(c.readings >= sent[0] for c in clients):
                break
            time.sleep(0.1)
        for client in clients:
            client.stop = True
        received = [c.readings for c in clients]
        errors = [c.error for c in clients if c.error]
        status = json.loads(urlopen_text(port, "/api/v1/status"))
        window = max(1, min(10, len(samples) // 3))
        early = statistics.mean(kb for _, kb in samples[1:1 + window]) / 1024 if len(samples) > window else 0
        late = statistics.mean(kb for _, kb in samples[-window:]) / 1024
        latencies.sort()
        result = {
            "seconds": round(elapsed, 1), "event_clients": arguments.clients, "meter_rate": arguments.meter_rate,
            "telegrams_sent": sent[0], "jsonl_readings": written,
            "events_per_client_min": min(received), "events_per_client_max": max(received),
            "event_client_errors": errors, "event_clients_dropped": status["web"]["event_clients_dropped"],
            "requests": requests[0], "requests_per_s": round(requests[0] / elapsed, 1), "failed_requests": failures[0],
            "failures_by_kind": failure_kinds,
            "latency_p50_ms": round(latencies[len(latencies) // 2] * 1000, 2) if latencies else None,
            "latency_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2) if latencies else None,
            "rss_mb_after_start": round(early, 2), "rss_mb_end": round(late, 2), "rss_mb_max": round(max(kb for _, kb in samples) / 1024, 2),
            "rss_samples_mb": [round(kb / 1024, 2) for _, kb in samples],
            "http_sink_queue_dropped": next(s["queue_dropped"] for s in status["sinks"] if s["name"] == "http"),
        }
        checks = {
            "every telegram in the JSON-lines sink": written == sent[0],
            "every event client got every reading": min(received) == sent[0] and not errors,
            "no request failed": failures[0] == 0,
            f"request rate reached (>= {arguments.min_rate_fraction:.0%})":
                requests[0] / elapsed >= arguments.min_rate_fraction * arguments.rate,
            f"RSS flat (end within {arguments.rss_slack_mb} MB of the start)": late - early <= arguments.rss_slack_mb,
        }
        result["checks"] = checks
        text = json.dumps(result, indent=1)
        print(text)
        if arguments.json:
            open(arguments.json, "w").write(text)
        return 0 if all(checks.values()) else 1
    finally:
        if collector:
            collector.send_signal(signal.SIGTERM)
            try:
                collector.wait(timeout=10)
            except subprocess.TimeoutExpired:
                collector.kill()
        socat.terminate()
        socat.wait()


def urlopen_text(port, path):
    return fetch(port, path).split(b"\r\n\r\n", 1)[1].decode()


if __name__ == "__main__":
    sys.exit(main())
