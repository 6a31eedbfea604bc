"""Instance detection from fake DMI trees; metadata only when asked, against a local stand-in."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from fabricbench.benchmarks.instance import AZURE_CHASSIS_TAG, detect


def _dmi(tmp_path, **files):
    for name, value in files.items():
        (tmp_path / name).write_text(value + "\n")
    return tmp_path


@pytest.mark.parametrize("files,cloud,itype,source", [
    ({"sys_vendor": "Amazon EC2", "product_name": "p5.48xlarge", "board_asset_tag": "i-0abc123"}, "aws",
     "p5.48xlarge", "dmi"),
    ({"sys_vendor": "Microsoft Corporation", "product_name": "Virtual Machine", "chassis_asset_tag": AZURE_CHASSIS_TAG},
     "azure", "unknown", "none"),
    ({"sys_vendor": "Microsoft Corporation", "product_name": "Virtual Machine", "chassis_asset_tag": "none"},
     "unknown", "unknown", "none"),  # plain Hyper-V is not Azure
    ({"sys_vendor": "Google", "product_name": "Google Compute Engine"}, "gcp", "unknown", "none"),
    ({"sys_vendor": "QEMU", "product_name": "Standard PC (Q35 + ICH9, 2009)"}, "unknown", "unknown", "none"),
    ({}, "unknown", "unknown", "none"),
])
def test_dmi(tmp_path, files, cloud, itype, source):
    got = detect(None, {}, dmi=_dmi(tmp_path, **files))
    assert (got["cloud"], got["instance_type"], got["source"]) == (cloud, itype, source)


def test_override_and_env_win(tmp_path):
    dmi = _dmi(tmp_path, sys_vendor="Amazon EC2", product_name="p4d.24xlarge")
    assert detect("p5.48xlarge", {}, dmi=dmi)["instance_type"] == "p5.48xlarge"
    assert detect(None, {"FABRICBENCH_INSTANCE_TYPE": "a3-megagpu-8g"}, dmi=dmi)["source"] == "env"


class _Imds(BaseHTTPRequestHandler):
    hits: list = []

    def _answer(self):
        _Imds.hits.append((self.command, self.path, dict(self.headers)))
        body = {"/latest/api/token": "tok", "/latest/meta-data/instance-type": "p5en.48xlarge",
                "/computeMetadata/v1/instance/machine-type": "projects/1/zones/z/machineTypes/a3-megagpu-8g"}.get(
            self.path.split("?")[0], "Standard_ND96isr_H100_v5" if self.path.startswith("/metadata/") else None)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write((body or "").encode())

    do_GET = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def imds():
    _Imds.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Imds)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("files,expected", [
    ({"chassis_asset_tag": AZURE_CHASSIS_TAG}, "Standard_ND96isr_H100_v5"),
    ({"product_name": "Google Compute Engine"}, "a3-megagpu-8g"),
    ({"sys_vendor": "Amazon EC2", "product_name": "unusual"}, "p5en.48xlarge"),
])
def test_metadata_only_when_opted_in(tmp_path, imds, files, expected):
    dmi = _dmi(tmp_path, **files)
    env = {"FABRICBENCH_METADATA_URL": imds}
    assert detect(None, env, use_metadata=False, dmi=dmi)["instance_type"] == "unknown"
    assert _Imds.hits == []  # no request without the flag
    got = detect(None, env, use_metadata=True, dmi=dmi)
    assert (got["instance_type"], got["source"]) == (expected, "metadata")


def test_unreachable_metadata_times_out_quickly(tmp_path):
    import time

    dmi = _dmi(tmp_path, product_name="Google Compute Engine")
    t0 = time.monotonic()
    got = detect(None, {"FABRICBENCH_METADATA_URL": "http://127.0.0.1:9"}, use_metadata=True, dmi=dmi)
    assert got["instance_type"] == "unknown" and time.monotonic() - t0 < 3
