#!/usr/bin/env python3
"""Draws what the three Grafana dashboards show, from a folder written by `smartmeter-config backup`, into a PNG
for docs/postgresql.md (docs/grafana-example.png). Needs matplotlib (pip install matplotlib).

    python3 scripts/grafana-example/telegrams.py testdata/dsmr/fluvius-v171.txt /tmp/day.txt
    smartmeter-datacollector -c day.ini          # a file reader on /tmp/day.txt, a postgresql sink
    smartmeter-config backup -c day.ini --out /tmp/backup
    python3 scripts/grafana-example/plot.py /tmp/backup docs/grafana-example.png

usage: plot.py BACKUP_DIR OUT.png
"""
import csv
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

BRUSSELS = ZoneInfo("Europe/Brussels")


def rows(folder, table):
    with open(f"{folder}/{table}.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            row["time"] = datetime.strptime(row["time"] + "00", "%Y-%m-%d %H:%M:%S%z").astimezone(BRUSSELS)
            yield row


def series(folder, names):
    out = defaultdict(lambda: ([], []))
    for row in rows(folder, "elec_measurement"):
        if row["obis_name"] in names:
            out[row["obis_name"]][0].append(row["time"])
            out[row["obis_name"]][1].append(float(row["value"]))
    return out


def main():
    folder, target = sys.argv[1], sys.argv[2]
    figure, axes = plt.subplots(2, 2, figsize=(13, 7.5))
    figure.suptitle("smartmeter-datacollector → PostgreSQL → the three Grafana dashboards (a day of a Fluvius meter)")
    hours = mdates.DateFormatter("%H:%M", tz=BRUSSELS)

    power = axes[0][0]
    for name, label in [("P+", "P+ consumption"), ("P-", "P- injection")]:
        times, values = series(folder, {name})[name]
        power.plot(times, values, label=label, linewidth=1)
    power.set_title("Real-time electricity: power (kW)")
    power.xaxis.set_major_formatter(hours)
    power.legend(loc="upper left")

    voltage = axes[0][1]
    data = series(folder, {"U(L1)", "U(L2)", "U(L3)"})
    for name in sorted(data):
        voltage.plot(*data[name], label=name, linewidth=1)
    voltage.set_title("Real-time electricity: voltage per phase (V)")
    voltage.xaxis.set_major_formatter(hours)
    voltage.legend(loc="lower left")

    gas = axes[1][0]
    meters = defaultdict(lambda: ([], []))
    for row in rows(folder, "mbus_measurement"):
        meters[f"{row['mbus_type']} {row['mbus_id']}"][0].append(row["time"])
        meters[f"{row['mbus_type']} {row['mbus_id']}"][1].append(float(row["value"]))
    for name, (times, values) in sorted(meters.items()):
        gas.step(times, [v - values[0] for v in values], where="post", label=name)
    gas.set_title("Gas & water: m3 since midnight (read every 5 minutes)")
    gas.xaxis.set_major_formatter(hours)
    gas.legend(loc="upper left")

    peak = axes[1][1]
    history = sorted(rows(folder, "peak_demand_history"), key=lambda row: row["time"])
    # An entry's time is the end of its month (the start of the next), as the meter stamps it.
    labels = [(row["time"] - timedelta(days=1)).strftime("%Y-%m") for row in history]
    values = [float(row["value"]) for row in history]
    running = list(rows(folder, "peak_demand"))
    if running:
        labels.append(running[-1]["time"].strftime("%Y-%m") + "\n(running)")
        values.append(float(running[-1]["value"]))
    bars = peak.bar(labels, values, color=["tab:blue"] * len(history) + ["tab:orange"] * (len(values) - len(history)))
    peak.bar_label(bars, fmt="%.2f kW")
    peak.set_title("Maximum demand: monthly peak (quarter-hour average, kW)")

    figure.tight_layout()
    figure.savefig(target, dpi=90)


if __name__ == "__main__":
    main()
