"""The two CRC-16s of the meters, for the Python tools (a module, not a command): X.25, the HDLC frame and header
check sequence, and ARC, the DSMR P1 telegram checksum. Both reflected; check values over b"123456789": X.25 0x906E,
ARC 0xBB3D.

    sys.path.insert(0, "<checkout>/scripts")
    from crc16 import x25, arc
"""


def reflected(data: bytes, polynomial: int, initial: int, final_xor: int) -> int:
    crc = initial
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ polynomial if crc & 1 else crc >> 1
    return crc ^ final_xor


def x25(data: bytes) -> int:
    return reflected(data, 0x8408, 0xFFFF, 0xFFFF)


def arc(data: bytes) -> int:
    return reflected(data, 0xA001, 0x0000, 0x0000)


if __name__ == "__main__":
    assert x25(b"123456789") == 0x906E and arc(b"123456789") == 0xBB3D
    print("ok")
