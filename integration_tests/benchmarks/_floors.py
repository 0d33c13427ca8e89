"""The floors: the least any connector must do with the same answers, as a bare loop (no CDK, no checks).

    python _floors.py json REQUESTS.json    # GET each request, json-parse it, print its records
    python _floors.py csv REQUESTS.json     # POST each request, stream the CSV, print its rows

REQUESTS.json is a list of `{"method", "url", "headers", "body"?, "records_at"?}`: exactly the requests the
connector sent (read back from the emulator's request log, or captured), so both read the same answers.
Every record is printed as an Airbyte RECORD line, as a connector must.
"""

from __future__ import annotations

import csv
import json
import sys
import time

import requests


def record_line(stream: str, data: dict, emitted_at: int) -> bytes:
    message = {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": emitted_at}}
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def json_pages(planned: list[dict]) -> None:
    out = sys.stdout.buffer
    session = requests.Session()
    for request in planned:
        body = session.get(request["url"], headers=request["headers"], timeout=120).json()
        emitted_at = int(time.time() * 1000)
        for record in body[request.get("records_at", "results")]:
            out.write(record_line(request.get("stream", "records"), record, emitted_at))


def csv_reports(planned: list[dict]) -> None:
    out = sys.stdout.buffer
    session = requests.Session()
    for request in planned:
        answer = session.post(
            request["url"], headers=request["headers"], json=request["body"], stream=True, timeout=600
        )
        answer.raise_for_status()
        lines = answer.iter_lines(chunk_size=65536, decode_unicode=False)
        reader = csv.reader(line.decode("utf-8") for line in lines)
        header = next(reader)
        emitted_at = int(time.time() * 1000)
        for row in reader:
            out.write(
                record_line(
                    request.get("stream", "records"), dict(zip(header, row, strict=False)), emitted_at
                )
            )


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    with open(path) as file:
        planned = json.load(file)
    {"json": json_pages, "csv": csv_reports}[kind](planned)
