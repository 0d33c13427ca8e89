#!/bin/sh
# Image build, stage 2: installs cdr_shared (the versioned wheel in the build context) and the connector
# (from its folder) into /opt/connector, a prefix of its own beside the shared /opt/venv, so that the
# image gets them as one small layer on top of the dependencies layer. hatchling, the build backend,
# comes from the wheels of stage 1 and does not stay. (`airbyte-cdk image build` then runs `spec` in the
# finished image to verify it.)
#   sh /build/connector/install-connector.sh source-x
# source-x is the CONNECTOR_NAME build argument: it must be a console script the context's pyproject.toml
# declares, or the image would start a connector that is not in it. The Dockerfile, one for the four
# connectors, copies the connector's package folder (`source_*`) to /build/source/package: it gets its
# name back here, from the console script's module.
set -eu
connector="${1:-}"
package=$(/opt/venv/bin/python -I - "$connector" /build/source/pyproject.toml <<'PYTHON'
import sys, tomllib
connector, pyproject = sys.argv[1:]
scripts = tomllib.load(open(pyproject, "rb"))["project"]["scripts"]
if connector not in scripts:
    hint = " or ".join(f"--build-arg CONNECTOR_NAME={name}" for name in scripts)
    sys.exit(f"install-connector: CONNECTOR_NAME={connector!r} is not a console script of this build context: {hint}")
print(scripts[connector].split(":")[0].split(".")[0])
PYTHON
)
mv /build/source/package "/build/source/${package}"
export UV_NO_CACHE=1 UV_PYTHON_DOWNLOADS=never UV_NO_CONFIG=1
# --no-sources: cdr-shared is a uv workspace member in the repository, here it is the wheel beside.
/build/uv pip install --quiet --python /opt/venv/bin/python --prefix /opt/connector --no-deps --no-sources \
  --no-index --find-links /build/wheels --compile-bytecode /build/connector/cdr_shared-*.whl /build/source
install -D -m 0755 /build/connector/init.py /opt/connector/bin/cdr-init
test -x "/opt/connector/bin/${connector}"
