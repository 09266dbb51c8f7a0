"""Register greenfi's networks with Brownie, whose network list lives in ~/.brownie.

`development` (anvil) and `ganache` (npm `ganache`) with the EVM version and account count the
suite needs, and the live testnets, whose host is an environment variable Brownie expands at
connect time, so no URL is ever written to disk. (Brownie 1.22 cannot take `cmd_settings` from a
project's brownie-config.yaml, so they are set here.) Entries the user changed by hand are left alone.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from greenfi.chain.networks import EMBEDDED, EVM_VERSION, KNOWN_LIVE_CHAIN_IDS, LOCAL_ACCOUNTS, LOCAL_MNEMONIC, rpc_env_var

BROWNIE_NETWORKS = Path.home() / ".brownie" / "network-config.yaml"
LIVE_TESTNETS = ("sepolia", "holesky")


def _local_entry(network_id: str, name: str, cmd: str) -> dict:
    entry = {
        "name": name,
        "id": network_id,
        "cmd": cmd,
        "host": "http://127.0.0.1",
        "cmd_settings": {
            "port": EMBEDDED[network_id].port,
            "gas_limit": 30_000_000,
            "accounts": LOCAL_ACCOUNTS,
            "evm_version": EVM_VERSION,
            "chain_id": EMBEDDED[network_id].chain_id,
            # Both nodes hold the same accounts, so keys derived from the mnemonic (tests signing as a
            # live network would) are the node's accounts on either (ganache's default is random).
            "mnemonic": LOCAL_MNEMONIC,
        },
    }
    if cmd == "anvil":
        entry["cmd_settings"]["base_fee"] = 0  # Brownie sends development transactions at gas price 0
    return entry


def _live_entry(name: str) -> dict:
    return {
        "name": f"{name.capitalize()} (greenfi, ${rpc_env_var(name)})",
        "id": name,
        "chainid": KNOWN_LIVE_CHAIN_IDS[name],
        "host": f"${rpc_env_var(name)}",
    }


def register(config_path: Path = BROWNIE_NETWORKS) -> list[str]:
    """Add or update greenfi's entries; return the ids that changed."""
    if not config_path.exists():
        # Brownie writes its default list the first time it is imported.
        import brownie._config  # noqa: F401
    config = yaml.safe_load(config_path.read_text())
    changed = []
    local = [("development", "Anvil (greenfi)", "anvil"), ("ganache", "Ganache (greenfi)", "ganache-cli")]
    for network_id, name, cmd in local:
        if _upsert(config["development"], _local_entry(network_id, name, cmd), replace_if=lambda e, c=cmd: e.get("cmd") == c):
            changed.append(network_id)
    ethereum = next(group for group in config["live"] if group["name"] == "Ethereum")
    for name in LIVE_TESTNETS:
        # Brownie's own sepolia entry points at Infura; greenfi's reads the URL from the environment.
        if _upsert(ethereum["networks"], _live_entry(name), replace_if=lambda e: "infura" in str(e.get("host", ""))):
            changed.append(name)
    if changed:
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return changed


def _upsert(entries: list[dict], wanted: dict, replace_if) -> bool:
    for i, entry in enumerate(entries):
        if entry["id"] != wanted["id"]:
            continue
        if entry == wanted or not replace_if(entry):
            return False
        entries[i] = wanted
        return True
    entries.append(wanted)
    return True
