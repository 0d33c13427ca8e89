#!/bin/sh
# Image build, stage 1 (the layer the four connector images share): creates /opt/venv with the
# third-party packages of uv.lock, from the wheels in the build context only (no network, no index).
# Leaves out pip, setuptools and the packages' own test folders. Run by shared/docker/Dockerfile for every connector:
#   COPY build/image/dependencies /build
#   RUN sh /build/install-dependencies.sh
set -eu
cd /build
# uv comes as a wheel (a zip holding a static binary); unpacking it needs only Python's zipfile.
python3 -m zipfile -e wheels/uv-*.whl /build/uv-wheel
install -m 0755 /build/uv-wheel/uv-*.data/scripts/uv /build/uv
rm -rf /build/uv-wheel
export UV_NO_CACHE=1 UV_PYTHON_DOWNLOADS=never UV_NO_CONFIG=1
/build/uv venv --quiet --python "$(command -v python3)" /opt/venv
# --no-deps: requirements.txt is the complete, hash-pinned set (uv export), setuptools left out on purpose.
/build/uv pip install --quiet --python /opt/venv/bin/python --no-index --find-links /build/wheels \
  --require-hashes --no-deps --compile-bytecode -r /build/requirements.txt
site=$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# Test suites and benchmarks shipped inside packages (pandas/tests, nltk/test, jsonschema/benchmarks, ...)
# are never imported at run time. airbyte_cdk/test is kept: it is the CDK's test library, not its tests.
find "$site" -mindepth 2 -depth -type d \( -name tests -o -name benchmarks -o -name testdata \
  -o \( -name test -not -path "$site/airbyte_cdk/*" \) \) -exec rm -rf {} +
