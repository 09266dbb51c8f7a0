"""`greenfi oracle`: the oracle daemons. `greenfi oracle sensor` anchors verified device readings on
MRVAnchor; `greenfi oracle risk` posts AI risk scores to RiskOracle."""

from __future__ import annotations

import importlib
import sqlite3
import sys
import threading
from pathlib import Path

import click
from web3 import Web3

from greenfi.cli.connected import open_session
from greenfi.cli.options import sender_option
from greenfi.domain.units import parse_address, parse_time
from greenfi.errors import ConfigError, GreenfiError

DEFAULT_SCORER = "oracles.risk.scorer:lightgbm_scorer"


@click.group()
def oracle() -> None:
    """Oracle daemons that bring off-chain data and decisions on chain."""


@oracle.command()
@click.option("--network", "network_name", required=True, help="development, ganache, sepolia, ... or any NAME with $NAME_RPC_URL")
@click.option("--features", type=click.Path(path_type=Path), help="CSV of feature rows, one per subject. [env GREENFI_RISK_FEATURES]")
@click.option("--model", "model_dir", type=click.Path(path_type=Path), help="Model directory the scorer loads. [env GREENFI_RISK_MODEL_DIR]")
@click.option("--model-version", type=int, help="ModelRegistry version id (default: looked up by the model's hash).")
@click.option("--subject-column", help="Column of subject addresses. [default: subject]")
@click.option("--threshold-bps", type=int, help="Post when a score moved by more than this. [default: 100]")
@click.option("--heartbeat", type=int, help="Re-post unchanged scores this many seconds old. [default: 86400]")
@click.option("--validity", type=int, help="Seconds until a posted score expires. [default: 604800]")
@click.option("--batch-size", type=int, help="Scores per transaction, at most 256. [default: 256]")
@click.option("--interval", type=float, help="Seconds between cycles in loop mode. [default: 300]")
@click.option("--confirmations", type=int, help="Blocks before a batch counts as confirmed. [default: 1]")
@click.option("--max-failures", type=int, help="Consecutive failed cycles before stopping. [default: 5]")
@click.option("--max-block-age", type=int, help="Refuse to post while the latest block is older than this many seconds (0 = off). [default: 0]")
@click.option("--port", type=int, help="Port of /health and /metrics (0 = any free port). [default: 9464]")
@click.option("--outbox", type=click.Path(path_type=Path), help="SQLite outbox file. [default: risk-outbox.sqlite]")
@click.option("--once", is_flag=True, help="Score, post, wait for confirmations and exit.")
@click.option("--rpc-url", envvar="GREENFI_RISK_RPC_URL", help="Node URL (default: the network's).")
@click.option("--risk-oracle", metavar="ADDRESS", help="RiskOracle address (default: deployments/<chainId>.json).")
@click.option("--from", "sender", metavar="ADDRESS", envvar="GREENFI_RISK_FROM",
              help="Unlocked node account that signs (local chains; live networks sign with the GREENFI_KEYSTORE key).")
@click.option("--scorer", "scorer_ref", default=DEFAULT_SCORER, show_default=True,
              help="MODULE:FACTORY; FACTORY(model_dir, subject_column) returns the scorer.")
def risk(network_name: str, features, model_dir, model_version, subject_column, threshold_bps, heartbeat, validity,
         batch_size, interval, confirmations, max_failures, max_block_age, port, outbox, once, rpc_url, risk_oracle, sender,
         scorer_ref) -> None:
    """Score a features CSV and post changed risk scores to RiskOracle in batches."""
    from oracles.risk import settings as risk_settings
    from oracles.risk.daemon import RiskDaemon
    from oracles.runtime import logs as json_logs
    from oracles.runtime.signals import stop_on_signals
    from oracles.risk.poster import Poster
    from oracles.risk.service import MetricsServer

    settings = risk_settings.from_env(
        features=features, model_dir=model_dir, model_version=model_version, subject_column=subject_column,
        threshold_bps=threshold_bps, heartbeat=heartbeat, validity=validity, batch_size=batch_size,
        interval=interval, confirmations=confirmations, max_failures=max_failures, max_block_age=max_block_age,
        port=port, outbox=outbox,
    )
    factory = load_factory(scorer_ref)
    session = open_session(network_name, sender, rpc_url=rpc_url)
    address = session.address("RiskOracle", risk_oracle, "--risk-oracle")
    scorer = factory(settings.model_dir, settings.subject_column)
    json_logs.configure()
    daemon = RiskDaemon(settings, Poster(session.w3, session.signer, address), scorer)
    server = MetricsServer(daemon.metrics, settings.host, settings.port).start()
    host, bound = server.address
    click.echo(f"risk oracle: /health and /metrics on http://{host}:{bound}")
    try:
        if once:
            result = daemon.run_once()
            click.echo(f"posted {result['selected']} scores in {result['batches']} transactions, "
                       f"skipped {result['skipped']}, unscorable {result['unscorable']}")
        else:
            stop = threading.Event()
            stop_on_signals(stop.set)
            daemon.run(stop)
            click.echo("risk oracle stopped")
    finally:
        server.stop()
        daemon.close()


@oracle.command()
@click.option("--network", "network_name", required=True, help="development, ganache, sepolia, ... or any NAME with $NAME_RPC_URL")
@click.option("--rpc-url", envvar="GREENFI_SENSOR_RPC_URL", help="Node URL (default: the network's).")
@click.option("--from", "sender", metavar="ADDRESS", envvar="GREENFI_SENSOR_FROM",
              help="Unlocked node account of the oracle operator (local chains; live networks sign with the GREENFI_KEYSTORE key).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the HTTP API listens on.")
@click.option("--port", type=int, default=8700, show_default=True, help="Port of the HTTP API (0 = any free port).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("sensor.sqlite"),
              show_default=True, help="SQLite store: accepted readings and the batch outbox.")
@click.option("--batch-size", type=click.IntRange(1, 1 << 16), default=1024, show_default=True, help="Readings per batch at most.")
@click.option("--batch-energy-wh", type=click.IntRange(1, (1 << 48) - 1), default=(1 << 48) - 1, show_default=True,
              help="Energy per batch at most (MRVAnchor refuses more than 2**48-1 Wh).")
@click.option("--window-s", type=click.FloatRange(min=0), default=300.0, show_default=True,
              help="A batch closes once its oldest reading has waited this long.")
@click.option("--tick-s", type=click.FloatRange(min=0.05), default=1.0, show_default=True, help="Seconds between batching rounds.")
@click.option("--confirmations", type=click.IntRange(1), default=1, show_default=True, help="Blocks before a batch counts as anchored.")
@click.option("--tolerance-bps", type=click.IntRange(0, 10_000), default=500, show_default=True,
              help="Energy may exceed rated capacity × duration by this much.")
@click.option("--pre-anchor-judge", type=click.Choice(["on", "off"]), default="on", show_default=True,
              help="Judge every reading of a batch as readingFault would (fresh device records, the tolerance in "
                   "force) just before sending it, and withdraw a batch at fault; 'off' only to rehearse the "
                   "recovery of a batch rejected on chain.")
@click.option("--max-future-skew-s", type=click.IntRange(0), default=300, show_default=True,
              help="A reading's period may end at most this far past the daemon's clock.")
@click.option("--max-failures", type=click.IntRange(1), default=5, show_default=True,
              help="Consecutive failed rounds (RPC down, store locked) before the daemon stops.")
@click.option("--max-backoff-s", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="After failures the wait between rounds doubles from --tick-s up to this.")
@click.option("--resend-after-s", type=click.FloatRange(min=0), default=120.0, show_default=True,
              help="Replace an unmined anchor transaction (same nonce, higher fees) after this long.")
@click.option("--db-busy-timeout-s", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="How long a write waits while another connection holds the store's lock.")
@click.option("--mqtt-url", metavar="URL", help="Also take readings from this broker: mqtt://[user[:pass]@]host[:port].")
@click.option("--mqtt-topic", default="greenfi/readings/#", show_default=True, help="Topic filter devices publish readings to.")
@click.option("--mqtt-reply-topic", metavar="TOPIC", help="Publish each rejected reading to TOPIC/<deviceId>.")
@click.option("--anomaly-model", default="default", show_default=True, metavar="DIR|default|off",
              help="Screen readings with this PV anomaly model (greenfi model anomaly-train --out DIR); 'default' "
                   "trains one on the shipped PV series once and caches it under --cache-dir; 'off' screens nothing.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="GREENFI_CACHE_DIR",
              default=Path.home() / ".cache" / "greenfi", show_default=True, help="Where the default model is cached.")
@click.option("--mrv-anchor", metavar="ADDRESS", help="MRVAnchor address (default: deployments/<chainId>.json).")
@click.option("--device-registry", metavar="ADDRESS", help="DeviceRegistry address (default: deployments/<chainId>.json).")
@click.option("--cosigner", "cosigner_urls", multiple=True, metavar="URL", envvar="GREENFI_SENSOR_COSIGNERS",
              help="Another operator's co-signer (greenfi oracle cosigner), asked to sign each batch where MRVAnchor's "
                   "threshold k > 1; repeat for several (k-1 must sign). [env GREENFI_SENSOR_COSIGNERS, space-separated]")
@click.option("--cosign-timeout-s", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="How long a co-signer may take to answer.")
@click.option("--cosign-retry-s", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="A batch whose co-signatures are missing is offered to the co-signers again after this long.")
def sensor(network_name: str, rpc_url, sender, host, port, db_path, batch_size, batch_energy_wh, window_s, tick_s, confirmations,
           tolerance_bps, pre_anchor_judge, max_future_skew_s, max_failures, max_backoff_s, resend_after_s, db_busy_timeout_s, mqtt_url, mqtt_topic,
           mqtt_reply_topic, anomaly_model, cache_dir, mrv_anchor, device_registry, cosigner_urls, cosign_timeout_s,
           cosign_retry_s) -> None:
    """Run the sensor oracle: take signed device readings over HTTP, check and store them, and
    anchor them on MRVAnchor in Merkle batches, with the other operators' co-signatures where k > 1."""
    from oracles.readings import Domain
    from oracles.sensor.anchor import AnchorClient, AnchorPolicy
    from oracles.sensor.batcher import BatchPolicy
    from oracles.sensor.chain_directory import ChainDirectory
    from oracles.sensor.cosigners import CosignerSettings
    from oracles.sensor.daemon import DaemonSettings, SensorDaemon
    from oracles.sensor.intake import IntakePolicy
    from oracles.sensor.standing import batch_judge
    from oracles.sensor.mqtt import MqttSettings, broker_address
    from oracles.runtime import logs as json_logs

    if mqtt_url:
        broker_address(mqtt_url)  # a bad URL fails before touching the chain
    try:
        cosigners = CosignerSettings(tuple(cosigner_urls), cosign_timeout_s, cosign_retry_s)
    except ValueError as exc:
        raise ConfigError(f"--cosigner: {exc}") from None

    session = open_session(network_name, sender, rpc_url=rpc_url)
    w3, signer = session.w3, session.signer
    if isinstance(w3.provider, Web3.HTTPProvider):
        # The daemon backs off between rounds itself: a failed call should fail the round at once
        # rather than sleep through web3's own retries.
        w3.provider.exception_retry_configuration = None
    anchor_address = session.address("MRVAnchor", mrv_anchor, "--mrv-anchor")
    registry_address = session.address("DeviceRegistry", device_registry, "--device-registry")
    settings = DaemonSettings(db_path, host, port, tick_s, max_failures, max_backoff_s, db_busy_timeout_s,
                              batch=BatchPolicy(batch_size, window_s, batch_energy_wh),
                              intake=IntakePolicy(tolerance_bps=tolerance_bps, max_future_skew_s=max_future_skew_s),
                              anchor=AnchorPolicy(resend_after_s=resend_after_s),
                              mqtt=MqttSettings(mqtt_url, mqtt_topic, mqtt_reply_topic) if mqtt_url else None,
                              cosigners=cosigners)
    json_logs.configure()
    screen = _anomaly_screen(anomaly_model, cache_dir)
    try:
        directory, domain = ChainDirectory(w3, registry_address), Domain(w3.eth.chain_id, anchor_address)
        client = AnchorClient(w3, anchor_address, signer, confirmations)
        # Before anchoring, every reading is judged again as readingFault would on fresh records.
        daemon = SensorDaemon(settings, directory, domain, screen=screen, anchor=client,
                              judge=batch_judge(directory.fresh, client.tolerance_bps, domain)
                              if pre_anchor_judge == "on" else None)
    except sqlite3.OperationalError as exc:
        raise GreenfiError(f"cannot open the store {db_path}: {exc}") from None
    cosigned = f", co-signers {' '.join(cosigner_urls)}" if cosigner_urls else ""
    click.echo(f"sensor oracle on http://{host}:{daemon.server.port} (operator {signer.address}, store {db_path}{cosigned})")
    code = daemon.run()
    if code:
        raise GreenfiError(f"sensor oracle stopped: {daemon.failed_reason}")


@oracle.command()
@click.option("--network", "network_name", required=True, help="development, ganache, sepolia, ... or any NAME with $NAME_RPC_URL")
@click.option("--rpc-url", envvar="GREENFI_COSIGNER_RPC_URL", help="Node URL (default: the network's).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the HTTP API listens on.")
@click.option("--port", type=click.IntRange(0, 65_535), default=8701, show_default=True,
              help="Port of the HTTP API (0 = any free port).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("cosigner.sqlite"),
              show_default=True, help="SQLite record of every batch signed.")
@click.option("--max-readings", type=click.IntRange(1, 1 << 20), default=1 << 16, show_default=True,
              help="Refuse proposals of more readings (too_large).")
@click.option("--max-body-bytes", type=click.IntRange(1024), default=32 << 20, show_default=True,
              help="Refuse larger request bodies (413 too_large).")
@click.option("--max-future-skew-s", type=click.IntRange(0), default=300, show_default=True,
              help="A reading's period may end at most this far past the co-signer's clock (as the daemon's intake).")
@click.option("--mrv-anchor", metavar="ADDRESS", help="MRVAnchor address (default: deployments/<chainId>.json).")
@click.option("--device-registry", metavar="ADDRESS", help="DeviceRegistry address (default: deployments/<chainId>.json).")
def cosigner(network_name: str, rpc_url, host, port, db_path, max_readings, max_body_bytes, max_future_skew_s,
             mrv_anchor, device_registry) -> None:
    """Run an operator's co-signer: re-verify each batch another operator's sensor daemon proposes
    (every reading, the device records on chain, the Merkle-sum tree, the digest) and sign the
    attestation only then. Signs with the GREENFI_KEYSTORE key (or GREENFI_PRIVATE_KEY), on any network."""
    from greenfi.chain.signers import signer_from_env
    from oracles.readings import Domain
    from oracles.runtime import logs as json_logs
    from oracles.sensor.cosign import CosignPolicy
    from oracles.sensor.cosign_chain import CosignChain
    from oracles.sensor.cosign_record import SigningRecord
    from oracles.sensor.cosign_server import CosignContext, CosignerServer, cosigner_metrics

    signer = signer_from_env()  # the key first: a missing one costs no round trip
    session = open_session(network_name, rpc_url=rpc_url)
    anchor_address = session.address("MRVAnchor", mrv_anchor, "--mrv-anchor")
    registry_address = session.address("DeviceRegistry", device_registry, "--device-registry")
    chain = CosignChain(session.w3, anchor_address, registry_address)
    try:
        record = SigningRecord(db_path)
    except sqlite3.Error as exc:
        raise GreenfiError(f"cannot open the record {db_path}: {exc}") from None
    context = CosignContext(chain, Domain(session.chain_id, anchor_address), record, signer,
                            CosignPolicy(max_readings, max_body_bytes, max_future_skew_s), cosigner_metrics())
    try:
        server = CosignerServer(context, host, port)
    except OSError as exc:
        record.close()
        raise GreenfiError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    json_logs.configure()
    operator = "" if chain.is_operator(signer.address) else " (not an operator of MRVAnchor yet: every request is refused)"
    click.echo(f"co-signer on http://{host}:{server.port} (operator {signer.address}{operator}, record {db_path})")
    try:
        server.serve_until_signalled()
    finally:
        record.close()
    click.echo("co-signer stopped")


def _anomaly_screen(choice: str, cache_dir: Path):
    """The intake's anomaly screen for --anomaly-model (None for 'off')."""
    if choice == "off":
        return None
    from models.anomaly import AnomalyModel
    from models.errors import ModelError
    from oracles.sensor.screen import AnomalyScreen, default_model

    try:
        model = default_model(cache_dir) if choice == "default" else AnomalyModel.load(Path(choice))
    except ModelError as exc:
        raise ConfigError(f"--anomaly-model: {exc}") from None
    return AnomalyScreen(model)


def _replay_with_progress(replay, send, steps, speedup, start_row, first_sequence):
    """simulate.run with a progress bar on stderr; on Ctrl-C the readings sent and the options that resume
    the replay after the last step sent (greenfi.cli.interrupt)."""
    from greenfi.cli import interrupt
    from oracles.sensor import simulate

    def on_step(tally, row):
        bar.update(1)
        sequence = first_sequence + (row - start_row)  # each device sends at most one reading a step
        interrupt.resume_with(f"continue the replay with --start-row {row} --first-sequence {sequence} "
                              f"(sent {tally.sent} readings, accepted {tally.accepted})")

    with click.progressbar(length=replay.step_count(steps, start_row), label="replaying five-minute steps",
                           file=sys.stderr, show_pos=True) as bar:
        return simulate.run(replay, send, steps, speedup, start_row=start_row, on_step=on_step)


@oracle.command("simulate-devices")
@click.option("--url", help="Daemon HTTP API to POST readings to, e.g. http://127.0.0.1:8700.")
@click.option("--mqtt-url", metavar="URL", help="Or publish them to this broker: mqtt://host[:port].")
@click.option("--mqtt-topic-prefix", default="greenfi/readings", show_default=True, help="Readings go to PREFIX/<deviceId>.")
@click.option("--devices", "count", type=click.IntRange(1, 10_000), default=3, show_default=True, help="How many devices.")
@click.option("--size", type=click.FloatRange(min=0.01, max=10_000), default=1.0, show_default=True,
              help="Scale every device's plant by this much (1: a roof of about 7.8 kW like the measured one).")
@click.option("--keys-from-seed", "seed", default="demo", show_default=True,
              help="Derive device keys and ids from this seed (test keys: never for real value).")
@click.option("--speedup", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Replay this many times faster than real time (0 = as fast as possible).")
@click.option("--steps", type=click.IntRange(min=1), help="Replay this many five-minute steps (default: the whole series).")
@click.option("--start-row", type=click.IntRange(min=0), default=0, show_default=True, help="First row of the series to replay.")
@click.option("--first-sequence", type=click.IntRange(min=1), default=1, show_default=True,
              help="Sequence number of each device's first reading (continue an earlier replay above its last).")
@click.option("--after", metavar="TIME",
              help="Move the replay by whole days to start at or after TIME (unix seconds or ISO 8601 UTC), "
                   "e.g. just after the devices' activation [default: whole years, to end before now].")
@click.option("--network", "network_name", help="Read the chain id and MRVAnchor address from this network (and --register there).")
@click.option("--rpc-url", help="Node URL (default: the network's).")
@click.option("--chain-id", type=int, help="Signing domain chain id (without --network).")
@click.option("--mrv-anchor", metavar="ADDRESS", help="Signing domain: the MRVAnchor address (default: deployments/<chainId>.json).")
@click.option("--register", "do_register", is_flag=True,
              help="First register the fleet's new devices in DeviceRegistry in --project, signed as its developer (--from).")
@click.option("--activate", "do_activate", is_flag=True,
              help="First activate the fleet's registered, inactive devices, signed as a verifier (--from).")
@click.option("--project", "project_id", type=click.IntRange(min=1), help="Project the devices belong to (with --register).")
@sender_option
@click.option("--device-registry", metavar="ADDRESS", help="DeviceRegistry address (default: deployments/<chainId>.json).")
@click.option("--list", "list_only", is_flag=True, help="Print the fleet (id, signer, capacity) as JSON lines and exit.")
def simulate_devices(url, mqtt_url, mqtt_topic_prefix, count, size, seed, speedup, steps, start_row, first_sequence, after,
                     network_name, rpc_url, chain_id, mrv_anchor, do_register, do_activate, project_id, sender,
                     device_registry, list_only) -> None:
    """Replay the shipped real PV series as COUNT signed devices against a sensor daemon; with
    --register / --activate, first register / activate the fleet on chain (signed like every command:
    --from on a local node, the GREENFI_KEYSTORE key on a live network). Without --url or --mqtt-url,
    only that."""
    import json

    from oracles.readings import Domain
    from oracles.sensor import simulate

    devices = simulate.fleet(seed, count, size)
    if list_only:
        for d in devices:
            click.echo(json.dumps({"deviceId": "0x" + d.device_id.hex(), "signer": d.address, "capacityW": d.capacity_w,
                                   "scale": d.scale, "dayOffset": d.day_offset}))
        return
    changes = do_register or do_activate
    if url and mqtt_url or not (url or mqtt_url or changes):
        raise ConfigError("pass exactly one of --url and --mqtt-url")
    if changes and not network_name:
        raise ConfigError("--register and --activate need --network")
    if do_register and project_id is None:
        raise ConfigError("--register needs --project")
    if network_name:
        session = open_session(network_name, sender, rpc_url=rpc_url, signs=changes)
        chain_id = session.chain_id
        mrv_anchor = session.address("MRVAnchor", mrv_anchor, "--mrv-anchor")
        if changes:
            _change_simulated(session, devices, do_register, do_activate, project_id, device_registry)
    if not (url or mqtt_url):
        return
    if chain_id is None or not mrv_anchor:
        raise ConfigError("the signing domain needs --network, or --chain-id and --mrv-anchor")
    domain = Domain(chain_id, parse_address(mrv_anchor, "--mrv-anchor"))
    replay = simulate.Replay(devices, domain, first_sequence=first_sequence,
                             after=None if after is None else parse_time(after, "--after"))
    close = lambda: None  # noqa: E731
    if url:
        send = simulate.http_sender(url)
    else:
        send, close = simulate.mqtt_sender(mqtt_url, mqtt_topic_prefix)
    try:
        tally = _replay_with_progress(replay, send, steps, speedup, start_row, first_sequence)
    finally:
        close()
    rejected = ", ".join(f"{k} {v}" for k, v in sorted((tally.rejected or {}).items())) or "none"
    click.echo(f"sent {tally.sent} readings from {count} devices: accepted {tally.accepted}, rejected: {rejected}")


def _change_simulated(session, devices, do_register: bool, do_activate: bool, project_id, device_registry) -> None:
    """Register (as the project's developer) and/or activate (as a verifier) the fleet, signed by the session's signer."""
    from oracles.sensor import simulate

    registry = session.address("DeviceRegistry", device_registry, "--device-registry")
    if do_register:
        now = session.w3.eth.get_block("latest")["timestamp"]
        added = simulate.register(session.w3, registry, devices, project_id, session.signer, now - 86_400 * 365 * 12)
        click.echo(f"registered {added} devices in project {project_id} ({len(devices) - added} already there)")
    if do_activate:
        activated = simulate.activate(session.w3, registry, devices, session.signer)
        click.echo(f"activated {activated} devices ({len(devices) - activated} not registered or active already)")


@oracle.command("register-model")
@click.option("--network", "network_name", required=True, help="development, ganache, sepolia, ... or any NAME with $NAME_RPC_URL")
@click.option("--model", "model_dir", required=True, type=click.Path(path_type=Path), help="Model directory (greenfi model train --out).")
@click.option("--card-uri", default="", help="Where the model card is published (emitted in ModelRegistered).")
@click.option("--rpc-url", envvar="GREENFI_RISK_RPC_URL", help="Node URL (default: the network's).")
@click.option("--model-registry", metavar="ADDRESS", help="ModelRegistry address (default: deployments/<chainId>.json).")
@click.option("--from", "sender", metavar="ADDRESS", envvar="GREENFI_RISK_FROM", help="Unlocked node account (local chains).")
def register_model(network_name: str, model_dir: Path, card_uri: str, rpc_url, model_registry, sender) -> None:
    """Register a trained model's hashes and metrics in ModelRegistry (an auditor then approves it)."""
    from oracles.risk.registration import model_spec

    spec = model_spec(model_dir)  # fails on a bad directory before touching the chain
    session = open_session(network_name, sender, rpc_url=rpc_url)
    registry = session.contract("ModelRegistry", model_registry, "--model-registry")
    existing = registry.functions.versionOf(bytes.fromhex(spec.model_hash[2:])).call()
    if existing:
        click.echo(f"model {spec.model_hash} is already version {existing}")
        return
    session.send(registry.functions.registerModel(spec.as_args(), card_uri))
    version = registry.functions.versionOf(bytes.fromhex(spec.model_hash[2:])).call()
    click.echo(f"registered model {spec.model_hash} as version {version} (metrics bps AUC/KS/Brier/accuracy "
               f"{'/'.join(map(str, spec.metrics_bps))}); an auditor or the regulator must approve it")


@oracle.command("approve-model")
@click.option("--network", "network_name", required=True, help="development, ganache, sepolia, ... or any NAME with $NAME_RPC_URL")
@click.option("--version", "version", required=True, type=click.IntRange(min=1), help="ModelRegistry version to approve.")
@click.option("--report", "report_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Validation report of that model (greenfi model validate --out).")
@click.option("--yes", is_flag=True, help="Sign without asking (the report is still shown).")
@click.option("--rpc-url", envvar="GREENFI_RISK_RPC_URL", help="Node URL (default: the network's).")
@click.option("--model-registry", metavar="ADDRESS", help="ModelRegistry address (default: deployments/<chainId>.json).")
@click.option("--from", "sender", metavar="ADDRESS", envvar="GREENFI_REVIEWER_FROM", help="Unlocked node account of the auditor (local chains).")
def approve_model(network_name: str, version: int, report_path: Path, yes: bool, rpc_url, model_registry, sender) -> None:
    """Show a model's validation report, then approve the version with the report's hash (auditor or regulator)."""
    from greenfi.chain.contracts import fields
    from oracles.risk.approval import check_model, read_report, summary

    report, report_hash = read_report(report_path)  # fails before touching the chain
    session = open_session(network_name, sender, rpc_url=rpc_url)
    registry = session.contract("ModelRegistry", model_registry, "--model-registry")
    if registry.functions.statusOf(version).call() == 0:
        raise ConfigError(f"ModelRegistry has no version {version}")
    model_hash = Web3.to_hex(fields(registry.functions.modelVersion(version))["modelHash"])
    check_model(report, model_hash, version)
    click.echo(f"validation report {report_path} (sha256 {report_hash}) for version {version}:")
    for line in summary(report):
        click.echo("  " + line)
    if not yes and not click.confirm(f"approve version {version} on this report, signed by {session.signer.address}?"):
        raise GreenfiError("not approved: nothing signed")
    session.send(registry.functions.approve(version, bytes.fromhex(report_hash[2:])))
    click.echo(f"approved version {version} with validation report {report_hash}")


def load_factory(ref: str):
    """The scorer factory named `MODULE:NAME`; ConfigError names what is wrong."""
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"--scorer must look like MODULE:FACTORY, got {ref!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"--scorer: cannot import {module_name} ({exc})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ConfigError(f"--scorer: {module_name} has no callable {attr}")
    return factory


_STORE_OPTION = click.option("--db", "db_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                             default=Path("sensor.sqlite"), show_default=True, help="The sensor daemon's SQLite store.")


@oracle.command("flagged")
@_STORE_OPTION
@click.option("--project", "project_id", type=click.IntRange(min=0), help="Only this project's readings.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True, help="At most this many.")
def flagged_readings(db_path: Path, project_id: int | None, limit: int) -> None:
    """List readings the anomaly screen flagged that await the project verifier's decision, oldest
    first, one JSON object a line (the reading, projectId, receivedAt, flag). Read-only."""
    import json

    from oracles.sensor.review import flagged
    from oracles.sensor.store import Store

    store = Store(db_path)
    try:
        for held in flagged(store, project_id, limit=limit):
            click.echo(json.dumps(held.signed.to_json_obj() | {"projectId": held.project_id,
                                                               "receivedAt": held.received_at, "flag": held.detail}))
    finally:
        store.close()


@oracle.command("decide")
@_STORE_OPTION
@click.option("--device-id", required=True, metavar="0xHEX", help="The flagged reading's device (bytes32).")
@click.option("--sequence", required=True, type=click.IntRange(0, (1 << 64) - 1), help="The flagged reading's sequence.")
@click.option("--accept/--reject", "accept", required=True, help="Release it into the next batch, or keep it out for good.")
@click.option("--verifier", required=True, help="Who decides: the project verifier's name or address (recorded).")
@click.option("--note", default="", help="Why (recorded in the decision document).")
def decide_flagged(db_path: Path, device_id: str, sequence: int, accept: bool, verifier: str, note: str) -> None:
    """Record the project verifier's decision on one flagged reading (once; it cannot be changed).
    Caller: the project's verifier, on the daemon's host (the store file's permissions guard it).
    Prints the decision's hash, which the batch document carries for an accepted reading."""
    from oracles.sensor.review import decide
    from oracles.sensor.store import Store

    raw = device_id.removeprefix("0x")
    if len(raw) != 64 or not all(c in "0123456789abcdefABCDEF" for c in raw):
        raise ConfigError(f"--device-id must be 0x + 64 hex digits, got {device_id!r}")
    store = Store(db_path)
    try:
        decision = decide(store, bytes.fromhex(raw), sequence, accept, verifier, note)
    finally:
        store.close()
    click.echo(f"{'accepted' if accept else 'rejected'} 0x{raw.lower()}/{sequence}: decision 0x{decision.hash.hex()}")
