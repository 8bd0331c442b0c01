#!/usr/bin/env python3
"""Puts the results bench/compare.sh collected (JSON files in one folder) into one table: ours, the reference, the
ratio and the target of each figure of issue #9. Prints the table (Markdown) and writes results.json beside.

    python3 bench/report.py RESULTS_DIR
"""
import json
import os
import sys


def number(value):
    """A figure for a table: spaces between thousands, three significant digits below 1000, "-" for none."""
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def load(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path) as file:
        return json.load(file)


def by_case(results, name):
    return next((r for r in results or [] if r["case"] == name), None)


def phase(results, layout):
    return next((p for p in (results or {}).get("phases", []) if p["format"] == layout), None)


def both(absolute, ratio):
    """The "met" text of a target with an absolute and a relative part."""
    if ratio is None:
        return absolute
    if absolute == bool(ratio):
        return absolute
    return f"{'yes' if absolute else '**no**'} / {'yes' if ratio else '**no**'} (ratio)"


def main():
    directory = sys.argv[1]
    decode = load(directory, "ours-decode.json")
    allocations = load(directory, "ours-allocations.json")
    ref = {name: load(directory, f"reference-{name}.json") for name in ("e450", "e570", "fluvius")}
    ref_alloc = {name: load(directory, f"reference-{name}-allocations.json") for name in ("e450", "e570", "fluvius")}
    ours_mqtt = load(directory, "ours-throughput.json")
    ref_mqtt = load(directory, "reference-throughput.json")
    ours_start = load(directory, "ours-startup.json")
    ref_start = load(directory, "reference-startup.json")
    ours_rss = load(directory, "ours-rss.json")
    ref_rss = load(directory, "reference-rss.json")
    long_rss = load(directory, "ours-rss-long.json")
    deb_rss = load(directory, "ours-deb-rss.json")
    http_rss = load(directory, "ours-rss-http.json")
    deb = load(directory, "deb.json")
    machine = load(directory, "machine.json") or {}
    replay = load(directory, "ours-replay.json") or {}

    # figure, unit, ours, reference, higher_is_better (None: no ratio), target text, check(ours, reference), note
    rows = []

    def add(figure, unit, ours, reference, higher_is_better, target, check=None, note=""):
        rows.append((figure, unit, ours, reference, higher_is_better, target, check, note))

    streams = [("e450-gbt.bin", "e450", "DLMS decode, E450 push message (6 frames, general-block-transfer)", 500_000, 300),
               ("e570-gbt-gcm.bin", "e570", "DLMS decode with AES-GCM (E570, security control 0x30, tag verified)", 300_000, 300)]
    for case, short, figure, rate_target, ratio_target in streams:
        ours = by_case(decode, case)
        reference = ref[short]
        add(figure, "messages/s", ours and ours["messages_per_s"], reference and reference["readings_per_s"], True,
            f">= {rate_target:,} messages/s, >= {ratio_target}x",
            lambda o, r, t=rate_target, q=ratio_target: both(o >= t, r and o / r >= q))
    ours = by_case(decode, "fluvius.txt")
    reference = ref["fluvius"]
    add("DSMR parse, Fluvius telegram", "MB/s", ours and ours["mb_per_s"], reference and reference["mb_per_s"], True,
        ">= 300 MB/s, >= 100x dsmr_parser", lambda o, r: both(o >= 300, r and o / r >= 100))
    add("DSMR parse, Fluvius telegram", "telegrams/s", ours and ours["messages_per_s"],
        reference and reference["readings_per_s"], True, "", None)
    instructions = load(directory, "ours-instructions.json") or {}
    for short, label in (("e450", "E450"), ("e570", "E570 AES-GCM"), ("fluvius", "Fluvius")):
        if short in instructions:
            add(f"  instructions per decoded message, {label} (callgrind, 4000 minus 2000 messages)", "instructions",
                instructions[short], None, False, "", None)
    for case, short, label in (("e450-gbt.bin", "e450", "E450"), ("e570-gbt-gcm.bin", "e570", "E570 AES-GCM"),
                               ("fluvius.txt", "fluvius", "Fluvius")):
        ours = by_case(allocations, case)
        reference = ref_alloc[short]
        add(f"heap allocations per decoded message (steady state), {label}", "mallocs",
            ours and ours.get("mallocs_per_message"), reference and reference.get("mallocs_per_reading"), False,
            "<= 5", lambda o, r: o <= 5, "reference with PYTHONMALLOC=malloc")
    if ours_rss:
        add(f"collector RSS, 1 meter + MQTT (TLS) + CSV, {ours_rss['readings_sent']} readings at "
            f"{ours_rss['rate']:g}/s", "MB", ours_rss["rss_last_kb"] / 1024,
            ref_rss and ref_rss["rss_last_kb"] / 1024, False, "<= 15 MB, flat", lambda o, r: o <= 15,
            "reference: MQTT (TLS) only, it has no CSV sink")
        growth = (ours_rss["rss_last_kb"] - ours_rss["samples"][1]["rss_kb"]) / 1024 if len(ours_rss["samples"]) > 1 else None
        ref_growth = ((ref_rss["rss_last_kb"] - ref_rss["samples"][1]["rss_kb"]) / 1024
                      if ref_rss and len(ref_rss["samples"]) > 1 else None)
        add("  RSS growth from the first sample after start to the end", "MB", growth, ref_growth, None, "flat", None)
        add("  private (anonymous) part of that RSS", "MB", ours_rss["samples"][-1]["rss_anon_kb"] / 1024,
            ref_rss and ref_rss["samples"][-1]["rss_anon_kb"] / 1024, False, "", None)
    if http_rss and ours_rss:
        add("  same with the web face on ([http]) and one browser connected (event stream, status every 3 s)", "MB",
            http_rss["rss_last_kb"] / 1024, None, False, "<= the row above + 2 MB",
            lambda o, r: o <= ours_rss["rss_last_kb"] / 1024 + 2,
            f"+{(http_rss['rss_last_kb'] - ours_rss['rss_last_kb']) / 1024:.1f} MB; "
            f"private part {http_rss['samples'][-1]['rss_anon_kb'] / 1024:.1f} MB")
    if deb_rss:
        add("  same, the .deb's binary (Swift runtime linked in statically, lld, functions ordered); private part "
            f"{deb_rss['samples'][-1]['rss_anon_kb'] / 1024:.1f} MB", "MB", deb_rss["rss_last_kb"] / 1024, None, False,
            "<= 15 MB, flat", lambda o, r: o <= 15)
    if long_rss:
        which = " (.deb's binary)" if ".build-deb/" in long_rss.get("executable", "") else ""
        add(f"collector RSS after {long_rss['seconds'] / 3600:g} h at {long_rss['rate']:g} msg/s (MQTT TLS + CSV){which}", "MB",
            long_rss["rss_last_kb"] / 1024, None, False, "<= 15 MB, flat", lambda o, r: o <= 15,
            f"first sample {long_rss['rss_first_kb'] / 1024:.1f} MB, max {long_rss['rss_max_kb'] / 1024:.1f} MB")
    ours_json, ours_layout, reference_layout = phase(ours_mqtt, "mqttjson"), phase(ours_mqtt, "mqtt"), phase(ref_mqtt, "mqtt")
    add("CPU time per reading end to end (pty -> decode -> MQTT publish), flooded, mqttjson", "us",
        ours_json and ours_json["cpu_us_per_reading"], None, False, "<= 50 us", lambda o, r: o <= 50)
    add("  same, mqtt layout (one message per value, as the reference)", "us",
        ours_layout and ours_layout["cpu_us_per_reading"], reference_layout and reference_layout["cpu_us_per_reading"],
        False, "", None, "reference publishes with QoS 0")
    if ours_rss:
        add(f"  CPU per reading at {ours_rss['rate']:g} readings/s (paced; MQTT TLS + CSV)", "us",
            ours_rss["cpu_us_per_reading"], ref_rss and ref_rss["cpu_us_per_reading"], False, "", None,
            "10 ms clock ticks; reference MQTT (TLS) only")
    add("latency last byte on the pty -> MQTT subscriber, p99, mqttjson", "ms",
        ours_json and ours_json["latency_p99_ms"], None, False, "<= 2 ms", lambda o, r: o <= 2)
    add("  median, mqttjson", "ms", ours_json and ours_json["latency_median_ms"], None, False, "", None)
    add("  p99 to the last message of a reading, mqtt layout", "ms", ours_layout and ours_layout["latency_p99_ms"],
        reference_layout and reference_layout["latency_p99_ms"], False, "", None)
    add("readings/s one collector sustains through MQTT QoS 1 to a local broker, mqttjson", "readings/s",
        ours_json and ours_json["readings_per_s"], None, True, ">= 20 000", lambda o, r: o >= 20_000)
    add("  same, mqtt layout", "readings/s", ours_layout and ours_layout["readings_per_s"],
        reference_layout and reference_layout["readings_per_s"], True, "", None, "reference publishes with QoS 0")
    add("start-up to first reading processed (exec -> reading at the logger sink), median", "ms",
        ours_start and ours_start["startup_median_ms"], ref_start and ref_start["startup_median_ms"], False,
        "<= 50 ms", lambda o, r: o <= 50)
    # Issue #19: whole-process rates of `smartmeter-config decode` and of the collector replaying a file, and the peak
    # RSS of replays. The reference has no file replay, no JSON-lines, CSV or PostgreSQL sink: its decode rate (its
    # classes, not a whole process) stands beside the decode rows.
    ref_decode = ref["e450"] and ref["e450"]["readings_per_s"]
    for key, figure, reference, target in (
            ("decode binary -> /dev/null", "smartmeter-config decode, E450 binary capture -> /dev/null", ref_decode, 250_000),
            ("decode binary -> file", "  same -> a file", ref_decode, 250_000),
            ("decode hex -> /dev/null", "  same from hex text -> /dev/null", ref_decode, 250_000),
            ("decode hex -> file", "  same from hex text -> a file", ref_decode, 250_000),
            ("replay jsonl -> /dev/null", "collector replaying an E450 capture (replay_speed = max) -> jsonl /dev/null", None, 250_000),
            ("replay jsonl -> file", "  same -> jsonl file", None, 250_000),
            ("replay csv -> directory", "  same -> csv", None, 250_000),
            ("replay postgresql (fresh tables)", "  same -> local PostgreSQL 15 (exactly once, spool)", None, 50_000),
            ("replay postgresql (tables there)", "  same into tables already there", None, 50_000),
            ("replay postgresql 200k (fresh tables)", "  same, 200 000 messages", None, 50_000)):
        if key in replay:
            # Wall-time rates depend on what else the machine runs: the CPU time and the load go beside them.
            cpu, wall = replay.get(key + " cpu s"), replay.get(key + " wall s")
            note = (f"CPU {cpu:.2f} s, wall {wall:.2f} s, load {replay.get('load average at start', -1):.1f}"
                    if cpu is not None and wall is not None else "")
            add(f"{figure} (whole process, {replay.get(key + ' messages', 0):,.0f} messages)", "readings/s",
                replay[key], reference, True, f">= {target:,} readings/s", lambda o, r, t=target: o >= t, note)
    for sink in ("jsonl -> file", "csv -> directory"):
        small, large = replay.get(f"peak RSS replay 20k {sink}"), replay.get(f"peak RSS replay 200k {sink}")
        if small and large:
            add(f"peak RSS replaying 20 000 / 200 000 E450 messages, {sink} (200 000; 20 000: {small:.1f} MB)", "MB",
                large, None, False, "< 30 MB, same within 10 %",
                lambda o, r, s=small: o < 30 and s < 30 and abs(o - s) <= 0.1 * min(o, s))
    add(".deb size", "MB", deb and deb["bytes"] / 1e6, None, False, "<= 25 MB", lambda o, r: o <= 25,
        deb["file"] if deb else "no .deb in dist/: run with --deb")

    lines = ["| figure | unit | ours | reference | ours better by | target | met |", "|---|---|---:|---:|---:|---|---|"]
    table = []
    for figure, unit, ours, reference, higher, target, check, note in rows:
        ratio = None
        if higher is not None and ours is not None and reference is not None and ours > 0 and reference > 0:
            ratio = ours / reference if higher else reference / ours
        verdict = None if check is None or ours is None else check(ours, reference)
        met = "" if verdict is None else verdict if isinstance(verdict, str) else ("yes" if verdict else "**no**")
        ratio_text = f"{ratio:,.1f}x".replace(",", " ") if ratio is not None else "-"
        lines.append(f"| {figure}{' (' + note + ')' if note else ''} | {unit} | {number(ours)} | {number(reference)} "
                     f"| {ratio_text} | {target} | {met} |")
        table.append({"figure": figure, "unit": unit, "ours": ours, "reference": reference, "ratio": ratio,
                      "target": target, "met": met.replace("*", "") or None, "note": note})
    print("\n".join(lines))
    if machine:
        print(f"\nMachine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('os')}, "
              f"{machine.get('swift')}; load average at start {machine.get('load_start')}, at end "
              f"{machine.get('load_end', '?')}")
    if long_rss:
        print("\nRSS samples of the long run (minutes: MB):",
              ", ".join(f"{s['t_s'] / 60:.0f}: {s['rss_kb'] / 1024:.1f}" for s in long_rss["samples"]))
    with open(os.path.join(directory, "results.json"), "w") as file:
        json.dump({"machine": machine, "rows": table}, file, indent=1)


if __name__ == "__main__":
    main()
