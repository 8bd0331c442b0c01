#!/usr/bin/env python3
"""Writes a day of Fluvius (Belgian P1, DSMR 5.0.2 + e-MUCS 1.7.1) telegrams, one per minute, built on
testdata/dsmr/fluvius-v171.txt: household load with a cooker peak, solar injection at noon, per-phase
voltage and current, gas and water meters read every 5 minutes. Replay it with a `file =` reader to fill the
PostgreSQL tables the dashboards read (see docs/postgresql.md, "Grafana dashboards").

usage: telegrams.py TEMPLATE OUT
"""
import math
import os
import random
import re
import sys
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from crc16 import arc as crc16  # noqa: E402  the P1 checksum


def main() -> None:
    template, out = sys.argv[1], sys.argv[2]
    text = open(template, encoding="ascii").read()
    random.seed(7)
    start = datetime(2020, 5, 12, 0, 0, 0)
    t1, t2, e1, e2, gas, water = 1234.567, 2345.678, 10.011, 120.5, 112.384, 872.234
    telegrams = []
    for minute in range(24 * 60):
        now = start + timedelta(minutes=minute)
        hour = now.hour + now.minute / 60
        load = 0.25 + 0.15 * random.random() + (2.8 if 18.5 <= hour < 19.25 else 0) + (0.9 if 7 <= hour < 8 else 0)
        solar = max(0.0, 3.2 * math.sin(math.pi * (hour - 6.5) / 14)) if 6.5 <= hour <= 20.5 else 0.0
        net = load - solar
        plus, minus = max(net, 0), max(-net, 0)
        day = 7 <= hour < 22
        if day:
            t1 += plus / 60; e1 += minus / 60
        else:
            t2 += plus / 60; e2 += minus / 60
        if minute % 5 == 0:
            gas += 0.004 + (0.06 if 6 <= hour < 9 or 18 <= hour < 22 else 0.01)
            water += 0.001 + (0.02 if 7 <= hour < 8 or 19 <= hour < 21 else 0)
        volts = [231 + 3 * math.sin(hour / 3 + k) - 4 * solar / 3.2 * (k == 0) + random.random() for k in range(3)]
        per_phase = [plus * share for share in (0.5, 0.3, 0.2)]
        lines = {
            "0-0:1.0.0": f"({now:%y%m%d%H%M%S}S)",
            "1-0:1.8.1": f"({t1:010.3f}*kWh)", "1-0:1.8.2": f"({t2:010.3f}*kWh)",
            "1-0:2.8.1": f"({e1:010.3f}*kWh)", "1-0:2.8.2": f"({e2:010.3f}*kWh)",
            "1-0:1.7.0": f"({plus:06.3f}*kW)", "1-0:2.7.0": f"({minus:06.3f}*kW)",
            "1-0:21.7.0": f"({per_phase[0]:06.3f}*kW)", "1-0:41.7.0": f"({per_phase[1]:06.3f}*kW)",
            "1-0:61.7.0": f"({per_phase[2]:06.3f}*kW)", "1-0:22.7.0": f"({minus:06.3f}*kW)",
            "1-0:32.7.0": f"({volts[0]:05.1f}*V)", "1-0:52.7.0": f"({volts[1]:05.1f}*V)", "1-0:72.7.0": f"({volts[2]:05.1f}*V)",
            "1-0:31.7.0": f"({per_phase[0] * 1000 / volts[0]:06.2f}*A)", "1-0:51.7.0": f"({per_phase[1] * 1000 / volts[1]:06.2f}*A)",
            "1-0:71.7.0": f"({per_phase[2] * 1000 / volts[2]:06.2f}*A)",
        }
        read = now - timedelta(minutes=minute % 5)
        body = text.split("!")[0]
        for code, value in lines.items():
            body = re.sub(re.escape(code) + r"\([^\n]*\)", code + value, body, count=1)
        body = re.sub(r"0-1:24\.2\.3\(\d+S\)\([\d.]+\*m3\)", f"0-1:24.2.3({read:%y%m%d%H%M%S}S)({gas:09.3f}*m3)", body)
        body = re.sub(r"0-2:24\.2\.1\(\d+S\)\([\d.]+\*m3\)", f"0-2:24.2.1({read:%y%m%d%H%M%S}S)({water:09.3f}*m3)", body)
        frame = (body + "!").encode("ascii")
        telegrams.append(frame + f"{crc16(frame):04X}\r\n".encode("ascii"))
    open(out, "wb").write(b"".join(telegrams))


if __name__ == "__main__":
    main()
