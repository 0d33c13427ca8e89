"""The connector's clock in end-to-end tests, for providers whose data follows the clock.

The connector reads its clock from the process it runs in. Putting `fake_clock_folder(...)` first on its
`PYTHONPATH` and `FAKE_NOW=<ISO instant>` in its environment makes the installed console script itself
run at that instant (ticking): its `sitecustomize.py` starts freezegun once the CDK is imported, since
classes built on datetime while time is frozen break.
"""

from __future__ import annotations

from pathlib import Path

SITECUSTOMIZE = """
import os
if os.environ.get("FAKE_NOW"):
    # Import the CDK (and pydantic) first: classes built on datetime while time is frozen break.
    import airbyte_cdk.entrypoint  # noqa: F401
    import airbyte_cdk.sources.streams.http  # noqa: F401
    import pendulum  # noqa: F401
    import freezegun
    freezegun.freeze_time(os.environ["FAKE_NOW"], tick=True).start()
"""


def fake_clock_folder(folder: Path) -> Path:
    """`folder`, holding the fake-clock `sitecustomize.py`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return folder
