"""Reads a candump log with python-can's CanutilsLogReader and prints the
frames as JSON lines, so tests/can_python_candump.rs can check that python-can
sees exactly what v2x-hil wrote. Exit status 3 means python-can is missing."""

import json
import sys

try:
    import can
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"skipped: python-can cannot be imported ({e})")
    sys.exit(3)


def main(path: str) -> None:
    for msg in can.CanutilsLogReader(path):
        print(
            json.dumps(
                {
                    "timestamp": msg.timestamp,
                    "channel": msg.channel,
                    "id": msg.arbitration_id,
                    "extended": msg.is_extended_id,
                    "remote": msg.is_remote_frame,
                    "dlc": msg.dlc,
                    "data": bytes(msg.data or b"").hex(),
                    "rx": msg.is_rx,
                }
            )
        )


if __name__ == "__main__":
    main(sys.argv[1])
