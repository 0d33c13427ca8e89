#!/bin/sh
# Installs one connector into /opt/venv inside an image, with exactly the versions pinned in uv.lock,
# and creates the non-root user the image runs as. Every connector's Dockerfile runs it:
#   COPY pyproject.toml uv.lock /airbyte/build/
#   COPY shared /airbyte/build/shared
#   COPY source-x /airbyte/build/source-x
#   RUN sh /airbyte/build/shared/docker/install-connector.sh source-x
set -eu
connector="$1"
cd /airbyte/build
python3 -m venv /opt/venv
/opt/venv/bin/pip install --no-cache-dir --quiet "uv>=0.8,<0.14"
/opt/venv/bin/uv export --quiet --frozen --no-dev --no-emit-workspace --no-hashes \
  --package "airbyte-${connector}" -o /tmp/requirements.txt
/opt/venv/bin/pip install --no-cache-dir --quiet -r /tmp/requirements.txt
/opt/venv/bin/pip install --no-cache-dir --quiet --no-deps ./shared "./${connector}"
/opt/venv/bin/pip uninstall --quiet --yes uv
"/opt/venv/bin/${connector}" spec >/dev/null
useradd --create-home --uid 1000 airbyte
cd / && rm -rf /airbyte/build /tmp/requirements.txt
