import os
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import trustme
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdr_shared.tls import ca_bundle_file, check_ca_pem, is_tls_failure


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def private_ca_server():
    ca = trustme.CA()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(ssl_context)
    server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ca, f"https://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_host_with_a_private_ca_is_trusted_through_the_bundle_and_refused_without_it(private_ca_server):
    ca, url = private_ca_server
    with pytest.raises(requests.exceptions.SSLError) as refused:
        requests.get(url, timeout=5)
    assert is_tls_failure(refused.value)
    bundle = ca_bundle_file(ca.cert_pem.bytes().decode())
    assert requests.get(url, verify=bundle, timeout=5).text == "ok"
    assert os.stat(bundle).st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----\nMIIB",  # cut off
        "-----BEGIN CERTIFICATE-----\nMIIBé\n-----END CERTIFICATE-----",  # non-ASCII in the block
    ],
)
def test_unusable_pem_is_a_config_error_naming_the_field(pem):
    with pytest.raises(AirbyteTracedException) as error:
        check_ca_pem(pem)
    assert error.value.failure_type == FailureType.config_error
    assert "'ca_certificate'" in error.value.message


def test_connection_errors_are_not_tls_failures():
    assert not is_tls_failure(requests.exceptions.ConnectionError("reset"))


def test_text_around_the_certificate_blocks_is_ignored(private_ca_server):
    ca, url = private_ca_server
    pasted = "Zertifizierungsstelle Ä (subject=CN=Büro)\n" + ca.cert_pem.bytes().decode() + "\nEnde\n"
    assert check_ca_pem(pasted) == ca.cert_pem.bytes().decode().strip()
    assert requests.get(url, verify=ca_bundle_file(pasted), timeout=5).text == "ok"
