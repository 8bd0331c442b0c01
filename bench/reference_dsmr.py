#!/usr/bin/env python3
"""Parse throughput of dsmr_parser 1.11.2 (the Belgian P1 logger's parser) on a generated Fluvius stream.

    python reference_dsmr.py --stream fluvius.txt [--telegrams N]

Drives dsmr_parser's own SerialReader path without a serial port: every read of the stream (the sizes in
STREAM.chunks, the same reads our harness feeds) goes through SerialReader._buffer_incoming (TelegramBuffer) and
each complete telegram through TelegramParser.parse with the BELGIUM_FLUVIUS specification (CRC checked), exactly
as SerialReader.read does. Prints one JSON object as reference_dlms.py does.
"""
import argparse
import array
import json
import time

from dsmr_parser import telegram_specifications
from dsmr_parser.clients.serial_ import SerialReader
from dsmr_parser.clients.settings import SERIAL_SETTINGS_V5
from malloc_counter import malloc_calls


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stream", required=True)
    parser.add_argument("--telegrams", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()

    data = open(args.stream, "rb").read()
    sizes = array.array("H")
    sizes.frombytes(open(args.stream + ".chunks", "rb").read())
    reader = SerialReader("/dev/null", dict(SERIAL_SETTINGS_V5), telegram_specifications.BELGIUM_FLUVIUS)
    parsed = 0
    objects = 0
    offset = 0
    index = 0

    def read_one():
        nonlocal offset, index, parsed, objects
        piece = data[offset:offset + sizes[index]]
        offset += sizes[index]
        index += 1
        for telegram in reader._buffer_incoming(piece):
            result = reader.telegram_parser.parse(telegram, throw_ex=True)
            parsed += 1
            objects += len(result)

    while parsed < args.warmup:
        read_one()
    base, base_objects, first_byte = parsed, objects, offset
    allocations = malloc_calls()
    started = time.process_time()
    while parsed - base < args.telegrams and index < len(sizes):
        read_one()
    elapsed = time.process_time() - started
    allocations = malloc_calls() - allocations if allocations is not None else None
    telegrams = parsed - base
    result = {"readings": telegrams, "values_per_reading": (objects - base_objects) / max(telegrams, 1),
              "bytes": offset - first_byte, "cpu_s": elapsed, "readings_per_s": telegrams / elapsed,
              "mb_per_s": (offset - first_byte) / elapsed / 1e6}
    if allocations is not None:
        result["mallocs_per_reading"] = allocations / max(telegrams, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
