#!/usr/bin/env python3
"""Decode throughput of the reference collector (smartmeter-datacollector 2.0.0, gurux-dlms) on a generated stream.

    python reference_dlms.py --stream e450-gbt.bin --meter lge450 [--key HEX] [--messages N]

Drives the reference's own meter class (LGE450 / LGE570, i.e. SerialHdlcDlmsMeter._data_received with its
HdlcDlmsParser) over the bytes, in the pieces its serial reader hands over (aioserial read_until(b"~"): every read
ends at an HDLC flag), with the serial port itself replaced by nothing. Stops after N complete readings. Prints one
JSON object: readings, bytes, CPU seconds (process time, one thread), readings/s, MB/s, and malloc calls per
reading when bench/malloc-count.so is preloaded (run with PYTHONMALLOC=malloc so that small objects count too).
"""
import argparse
import json
import logging
import os
import sys
import time

from malloc_counter import malloc_calls
from smartmeter_datacollector.smartmeter import meter as meter_module
from smartmeter_datacollector.smartmeter.lge450 import LGE450
from smartmeter_datacollector.smartmeter.lge570 import LGE570


class NoSerialPort:
    def __init__(self, config, callback):
        pass


class Counter:
    def __init__(self):
        self.readings = 0
        self.values = 0

    def notify(self, bundle):
        self.readings += 1
        self.values += len(bundle.data_points)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stream", required=True)
    parser.add_argument("--meter", choices=["lge450", "lge570"], required=True)
    parser.add_argument("--key")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50, help="readings decoded before measuring")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    # gurux prints two lines per encrypted message on standard output, as it does in the collector: keep the cost,
    # send them to /dev/null, and the result to the real standard output.
    result_output = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    meter_module.SerialReader = NoSerialPort
    meter = (LGE450 if args.meter == "lge450" else LGE570)(port="bench", decryption_key=args.key)
    counter = Counter()
    meter.register(counter)
    data = open(args.stream, "rb").read()

    def pieces():
        start = 0
        while True:
            end = data.find(b"~", start)
            if end < 0:
                return
            yield data[start:end + 1]
            start = end + 1

    feed = pieces()
    consumed = 0
    while counter.readings < args.warmup:
        piece = next(feed)
        consumed += len(piece)
        meter._data_received(piece)
    first_byte, base, base_values = consumed, counter.readings, counter.values
    allocations = malloc_calls()
    started = time.process_time()
    for piece in feed:
        consumed += len(piece)
        meter._data_received(piece)
        if counter.readings - base >= args.messages:
            break
    elapsed = time.process_time() - started
    allocations = malloc_calls() - allocations if allocations is not None else None
    readings = counter.readings - base
    result = {"readings": readings, "values_per_reading": (counter.values - base_values) / max(readings, 1),
              "bytes": consumed - first_byte, "cpu_s": elapsed, "readings_per_s": readings / elapsed,
              "mb_per_s": (consumed - first_byte) / elapsed / 1e6}
    if allocations is not None:
        result["mallocs_per_reading"] = allocations / max(readings, 1)
    sys.stdout.flush()
    os.write(result_output, (json.dumps(result) + "\n").encode())


if __name__ == "__main__":
    main()
