"""Fuzz pass over every HTTP and CLI input of the daemons (hypothesis, in-process, no chain).

- the sensor daemon's HTTP API (oracles.sensor.server): raw requests with arbitrary methods, paths,
  versions, content types, lengths and bodies (JSON, reading-shaped JSON, bytes, deep nesting);
- the risk daemon's /health and /metrics server (oracles.risk.service), the same way;
- `greenfi oracle risk` options, `greenfi model score` options and CSV files, and the risk daemon's
  features CSV path (read_features, the LightGBM scorer, check_scores).

Expected: never a crash or a 5xx; every HTTP rejection a 4xx whose body is JSON {"error", "detail"};
every CLI rejection a non-zero exit with an error line and no traceback. (POST /readings with an
array answers 422 {"accepted": 0, "rejected": n, "results": [{"reason", "detail"}, ...]} when it
rejects every reading.)
"""

import json
import socket
import string
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from eth_account import Account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenfi.cli import cli
from greenfi.errors import GreenfiError
from oracles.codec import SignedReading
from oracles.readings import Domain, Reading
from oracles.risk.scorer import checked_scores, lightgbm_scorer, read_features
from oracles.risk.service import Metrics, MetricsServer
from oracles.sensor.batcher import BatchPolicy
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.devices import DeviceInfo, StaticDirectory
from oracles.signing import sign_reading

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
DOMAIN = Domain(31337, "0x" + "f1" * 20)
T0 = 1_700_000_000
DEVICE_KEY = (0xF022).to_bytes(32, "big")
DEVICE = DeviceInfo(device_id=(0xF0).to_bytes(32, "big"), signer=Account.from_key(DEVICE_KEY).address, project_id=1,
                    capacity_w=7_100, active=True)


# ---------------------------------------------------------------- raw HTTP

def raw_request(port: int, data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Send `data` as is, half-close, read until the server closes: every (status, headers, body) it
    answered (bytes after a request without a Content-Length are, rightly, parsed as the next request)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server may answer and close before reading everything (e.g. 413)
            pass
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    rest, answers = b"".join(chunks), []
    while rest:
        head, _, rest = rest.partition(b"\r\n\r\n")
        lines = head.decode("iso-8859-1").split("\r\n")
        assert lines[0].startswith("HTTP/1."), head[:200]
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:] if ": " in line)}
        length = int(headers.get("content-length", len(rest)))
        answers.append((int(lines[0].split()[1]), headers, rest[:length]))
        rest = rest[length:]
    assert answers, "no answer"
    return answers


def check_answers(method: str, answers) -> None:
    for status, headers, body in answers:
        assert status < 500, (status, body[:300])
        if status >= 400:
            assert headers.get("content-type") == "application/json", (status, headers, body[:300])
            if method != "HEAD" and body:
                error = json.loads(body)
                if "results" in error:  # POST /readings with an array: a reason per rejected reading
                    assert error["accepted"] == 0 and all(r["reason"] and r["detail"] for r in error["results"]), error
                else:
                    assert isinstance(error["error"], str) and error["error"] and "detail" in error, error
        method = None  # later answers are to what followed the first request


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**300), 2**300) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)


def signed_reading(sequence: int) -> dict:
    reading = Reading(DEVICE.device_id, sequence, T0 + sequence * 300, T0 + sequence * 300 + 300, 400)
    return SignedReading(reading, sign_reading(DEVICE_KEY, reading, DOMAIN)).to_json_obj()


@st.composite
def reading_shaped(draw):
    """A validly signed reading with some fields replaced, removed or added."""
    obj = signed_reading(draw(st.integers(0, 50)))
    fields = sorted(obj)
    for name in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
        action = draw(st.sampled_from(["replace", "drop"]))
        if action == "drop":
            obj.pop(name)
        else:
            obj[name] = draw(json_values)
    if draw(st.booleans()):
        obj[draw(st.text(max_size=8))] = draw(json_values)
    return obj


bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    reading_shaped().map(lambda v: json.dumps(v).encode()),
    st.lists(reading_shaped(), max_size=5).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.integers(1, 20_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.just(b""),
)
tokens = st.text(alphabet=string.ascii_letters + string.digits + "-_.~", max_size=12)
path_chars = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_characters="\x7f"),
                     max_size=30)
batch_ids = st.one_of(st.integers(0, 10**30).map(str), st.text(alphabet="0123456789²١٢٣ -+x.", max_size=25))


@st.composite
def requests(draw, paths):
    method = draw(st.one_of(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE",
                                             "CONNECT"]), tokens.filter(bool)))
    path = draw(paths)
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/0.x", "http/1.1"]))
    body = draw(bodies)
    headers = [("Host", "fuzz")]
    content_type = draw(st.one_of(st.sampled_from([
        "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "", "application/json;;", "*/*"]), tokens))
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    length = draw(st.sampled_from(["exact", "none", "garbage", "short", "huge", "unicode", "negative"]))
    values = {"exact": str(len(body)), "garbage": draw(tokens), "short": str(max(len(body) - 3, 0)),
              "huge": str(1 << 40), "unicode": "１２", "negative": "-5"}
    if length in values:
        headers.append(("Content-Length", values[length]))
    extra = draw(st.lists(st.tuples(tokens.filter(bool), st.text(alphabet=string.printable.strip(), max_size=20)),
                          max_size=3))
    lines = [f"{method} {path} {version}", *(f"{k}: {v}" for k, v in headers + extra)]
    return method, "\r\n".join(lines).encode("utf-8") + b"\r\n\r\n" + body


@pytest.fixture(scope="module")
def sensor(tmp_path_factory):
    daemon = SensorDaemon(
        DaemonSettings(tmp_path_factory.mktemp("fuzz-sensor") / "sensor.db", batch=BatchPolicy(max_readings=4, window_s=60)),
        StaticDirectory([DEVICE]), DOMAIN, clock=lambda: T0 + 100 * 300)
    daemon.server.start()
    yield daemon
    daemon.server.stop()
    daemon.store.close()


@pytest.fixture(scope="module")
def risk_server():
    server = MetricsServer(Metrics(), "127.0.0.1", 0).start()
    yield server
    server.stop()


sensor_paths = st.one_of(
    st.sampled_from(["/readings", "/health", "/metrics", "/batches/0", "/batches/1", "/", "*", "/readings/"]),
    batch_ids.map(lambda i: "/batches/" + i),
    path_chars.map(lambda p: "/" + p),
)


@FUZZ
@given(request=requests(sensor_paths))
def test_sensor_http_never_fails_and_rejects_with_json(sensor, request):
    method, data = request
    check_answers(method, raw_request(sensor.server.port, data))


@FUZZ
@given(body=bodies, content_type=st.sampled_from(["application/json", "application/json; charset=utf-8"]))
def test_sensor_readings_with_any_body(sensor, body, content_type):
    data = (f"POST /readings HTTP/1.1\r\nHost: fuzz\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    answers = raw_request(sensor.server.port, data)
    check_answers("POST", answers)
    assert len(answers) == 1 and answers[0][0] in (200, 202, 400, 409, 413, 422), answers


def test_sensor_http_still_serves_after_the_fuzz(sensor):
    data = json.dumps(signed_reading(99)).encode()  # newer than any fuzzed one, not in the future
    [(status, _, body)] = raw_request(sensor.server.port, (
        f"POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode() + data)
    assert status == 202, body
    assert raw_request(sensor.server.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")[0][0] == 200


risk_paths = st.one_of(st.sampled_from(["/health", "/metrics", "/", "/health?x=1", "/metrics/"]),
                       path_chars.map(lambda p: "/" + p))


@FUZZ
@given(request=requests(risk_paths))
def test_risk_http_never_fails_and_rejects_with_json(risk_server, request):
    method, data = request
    check_answers(method, raw_request(risk_server.address[1], data))


# ---------------------------------------------------------------- CLIs

def run_cli(args: list[str]):
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback
        raise AssertionError("".join(traceback.format_exception(result.exception)))
    assert "Traceback" not in result.output, result.output
    return result


def assert_clean_error(result) -> None:
    assert result.exit_code in (1, 2), (result.exit_code, result.output)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert any(line.lower().startswith("error") for line in lines), result.output


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from models import german_credit
    from models.datasets import GERMAN_CREDIT_CSV
    from models.train import train

    out = tmp_path_factory.mktemp("fuzz-model") / "model"
    train(GERMAN_CREDIT_CSV, german_credit.TARGET, out, positive=german_credit.POSITIVE, folds=2, repeats=1)
    return out


@pytest.fixture(scope="module")
def german_rows():
    from models import german_credit
    from models.datasets import GERMAN_CREDIT_CSV

    return pd.read_csv(GERMAN_CREDIT_CSV, dtype=str).drop(columns=[german_credit.TARGET]).head(6)


numbers_and_text = st.one_of(
    st.integers(-(10**20), 10**20).map(str), st.floats().map(str), st.text(max_size=12),
    st.sampled_from(["", "-1", "0", "1", "nan", "inf", "1e999", "0x10", "٣", "256", "257", "65536", "10001"]),
)
RISK_OPTIONS = {
    "--network": st.sampled_from(["development", "ganache", "sepolia", "mainnet", "nope", "", "dev elopment"]),
    "--model-version": numbers_and_text, "--subject-column": st.text(max_size=8), "--threshold-bps": numbers_and_text,
    "--heartbeat": numbers_and_text, "--validity": numbers_and_text, "--batch-size": numbers_and_text,
    "--interval": numbers_and_text, "--confirmations": numbers_and_text, "--max-failures": numbers_and_text,
    "--max-block-age": numbers_and_text, "--port": numbers_and_text, "--from": st.text(max_size=44),
    "--risk-oracle": st.one_of(st.text(max_size=44), st.just("0x" + "ab" * 20)),
    "--scorer": st.sampled_from(["x", "x:y", ":", "os", "no_such_module:f", "oracles.risk.scorer:nothing",
                                 "oracles.risk.scorer:SCORE_COLUMNS", "oracles.risk.scorer:lightgbm_scorer"]),
    "--features": st.sampled_from(["missing.csv", "", "."]), "--model": st.sampled_from(["missing-dir", ""]),
}


@FUZZ
@given(options=st.dictionaries(st.sampled_from(sorted(RISK_OPTIONS)), st.none(), max_size=6).flatmap(
    lambda chosen: st.fixed_dictionaries({name: RISK_OPTIONS[name] for name in chosen})),
    once=st.booleans())
def test_oracle_risk_options(options, once, tmp_path_factory):
    # a closed port: arguments that all pass validation end at the connection, with an error line
    args = {"--network": "development", "--rpc-url": "http://127.0.0.1:9", "--features": "f.csv", "--model": "m",
            "--outbox": str(tmp_path_factory.getbasetemp() / "fuzz-outbox.sqlite"), **options}
    argv = ["oracle", "risk", *[part for item in args.items() for part in item], *(["--once"] if once else [])]
    assert_clean_error(run_cli(argv))


csv_cells = st.one_of(st.text(max_size=12), numbers_and_text, st.sampled_from(["", " ", "NA", "A11", "A999", '"', "\n"]))


@st.composite
def mutated_csv(draw, rows: pd.DataFrame, subject: bool):
    """Feature rows with some cells replaced and columns dropped, renamed or added; sometimes raw bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    table = rows.copy()
    if subject:
        table.insert(0, "subject", ["0x" + f"{0xA000 + i:040x}" for i in range(len(table))])
    table = table.head(draw(st.integers(0, len(table))))
    for _ in range(draw(st.integers(0, 6))):
        if len(table):
            table.iat[draw(st.integers(0, len(table) - 1)), draw(st.integers(0, table.shape[1] - 1))] = draw(csv_cells)
    for column in draw(st.lists(st.sampled_from(list(table.columns)), max_size=2, unique=True)):
        if draw(st.booleans()):
            table = table.drop(columns=[column])
        else:
            table = table.rename(columns={column: draw(st.text(max_size=6))})
    if draw(st.booleans()):
        table[draw(st.text(min_size=1, max_size=6))] = draw(csv_cells)
    return table.to_csv(index=False).encode()


@FUZZ
@given(data=st.data(), top_k=numbers_and_text)
def test_model_score_with_any_csv_and_options(model_dir, german_rows, tmp_path_factory, data, top_k):
    work = tmp_path_factory.mktemp("fuzz-score")
    features = work / "features.csv"
    features.write_bytes(data.draw(mutated_csv(german_rows, subject=False)))
    model = data.draw(st.sampled_from([str(model_dir), str(work / "no-model"), str(features)]))
    result = run_cli(["model", "score", "--model", model, "--data", str(features), "--out", str(work / "out.csv"),
                      "--top-k", top_k])
    if result.exit_code != 0:
        assert_clean_error(result)


@FUZZ
@given(data=st.data())
def test_risk_features_csv_scores_or_raises_a_named_error(model_dir, german_rows, tmp_path_factory, data):
    """The daemon's own path: read_features, the LightGBM scorer, checked_scores.

    Every row is accounted for: scored within 0..10000 bps, or reported unscorable with a feature
    and a reason (issue 21: a row outside the model's domain gets no score)."""
    path = tmp_path_factory.mktemp("fuzz-features") / "features.csv"
    path.write_bytes(data.draw(mutated_csv(german_rows, subject=True)))
    try:
        features = read_features(path, "subject")
        batch = checked_scores(scorer(model_dir)(features), len(features))
    except GreenfiError as exc:
        assert str(exc) and "\n" not in str(exc).strip(), str(exc)
    else:
        assert len(batch.rows) + len(batch.unscorable) == len(features)
        assert all(0 <= r.score_bps <= 10_000 for r in batch.rows)
        assert all(u.feature and u.reason for u in batch.unscorable)


_SCORERS: dict[Path, object] = {}


def scorer(model_dir: Path):
    if model_dir not in _SCORERS:
        _SCORERS[model_dir] = lightgbm_scorer(model_dir)
    return _SCORERS[model_dir]


def test_the_fuzzed_servers_answer_quickly_afterwards(sensor, risk_server):
    start = time.monotonic()
    assert raw_request(risk_server.address[1], b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")[0][0] == 200
    assert raw_request(sensor.server.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")[0][0] == 200
    assert time.monotonic() - start < 5
