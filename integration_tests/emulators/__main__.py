"""Run one emulator until SIGTERM or SIGINT: `python -m integration_tests.emulators <name> --port 0 [flags]`.

The first line of stdout is the emulator's base URL (for example `http://127.0.0.1:43121`), flushed as
soon as the server listens, so a parent process can read it and start talking. `<name> --help` lists
the flags of one emulator.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from . import EMULATORS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m integration_tests.emulators",
        description="Run a provider emulator on 127.0.0.1; prints its base URL as the first line of stdout.",
    )
    emulators = parser.add_subparsers(dest="emulator", required=True, metavar="EMULATOR")
    for name, emulator_class in sorted(EMULATORS.items()):
        summary = (emulator_class.__doc__ or name).strip().splitlines()[0]
        emulator_class.add_arguments(emulators.add_parser(name, help=summary, description=summary))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    emulator = EMULATORS[args.emulator].from_arguments(args)
    stopping = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stopping.set())
    print(emulator.start(), flush=True)
    try:
        stopping.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
