"""Provider emulators: local HTTP servers that play each provider's API for tests and the demo.

`EMULATORS` maps the name used on the command line (`python -m integration_tests.emulators <name>`) and by
the test helpers to the emulator class. To add an emulator, import its class here and add one entry.
The framework every emulator builds on is documented in `base.py`.
"""

from __future__ import annotations

from .acefone import AcefoneEmulator
from .base import EmulatorServer
from .huawei_cms import HuaweiCmsEmulator
from .ozonetel import OzonetelEmulator
from .ringcx import RingCxEmulator

EMULATORS: dict[str, type[EmulatorServer]] = {
    AcefoneEmulator.name: AcefoneEmulator,
    RingCxEmulator.name: RingCxEmulator,
    HuaweiCmsEmulator.name: HuaweiCmsEmulator,
    OzonetelEmulator.name: OzonetelEmulator,
}


def emulator_class(name: str) -> type[EmulatorServer]:
    """The emulator class registered as `name`; KeyError naming the known ones otherwise."""
    try:
        return EMULATORS[name]
    except KeyError:
        raise KeyError(f"no emulator named {name!r}; known: {', '.join(sorted(EMULATORS))}") from None


__all__ = ["EMULATORS", "EmulatorServer", "emulator_class"]
