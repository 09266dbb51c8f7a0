"""The networks greenfi knows: embedded local chains it starts itself, and live RPC endpoints.

A live network's RPC URL always comes from the environment (`<NAME>_RPC_URL`), never from the repo.
Any name with such a variable set is usable, so new testnets need no code change. An embedded
network's node is at its default port unless `<NAME>_RPC_URL` (e.g. `DEVELOPMENT_RPC_URL`) names
another URL; `$GREENFI_RPC_URL` (the root option `greenfi --rpc-url`) overrides every network's URL.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from greenfi.errors import ConfigError

EVM_VERSION = "shanghai"  # must match brownie-config.yaml: the highest fork ganache 7.9 runs
LOCAL_ACCOUNTS = 20


@dataclass(frozen=True)
class Network:
    name: str
    embedded: bool
    chain_id: int | None = None  # expected chain id; None = take what the endpoint says
    rpc_url: str | None = None
    port: int | None = None

    @property
    def url(self) -> str | None:
        """Where the network's node answers: its RPC URL, else the embedded node's default port."""
        return self.rpc_url or (f"http://127.0.0.1:{self.port}" if self.port else None)

    def launch_command(self, port: int) -> list[str]:
        """The command that starts this embedded chain on `port`."""
        if self.name == "ganache":
            return [
                "ganache", "--server.port", str(port), "--chain.hardfork", EVM_VERSION,
                "--wallet.totalAccounts", str(LOCAL_ACCOUNTS), "--wallet.mnemonic", LOCAL_MNEMONIC,
                "--chain.chainId", "1337", "--miner.blockGasLimit", "30000000", "--logging.quiet",
            ]
        return [
            "anvil", "--port", str(port), "--hardfork", EVM_VERSION, "--accounts", str(LOCAL_ACCOUNTS),
            "--mnemonic", LOCAL_MNEMONIC, "--gas-limit", "30000000", "--silent",
        ]


# The well-known development mnemonic of anvil and hardhat: these keys only ever fund local chains.
LOCAL_MNEMONIC = "test test test test test test test test test test test junk"

EMBEDDED = {
    "development": Network("development", embedded=True, chain_id=31337, port=8545),
    "ganache": Network("ganache", embedded=True, chain_id=1337, port=8546),
}
KNOWN_LIVE_CHAIN_IDS = {"sepolia": 11155111, "holesky": 17000, "mainnet": 1}


# `greenfi --rpc-url URL` (or this variable) points the command at one node, whatever network it names.
RPC_URL_OVERRIDE = "GREENFI_RPC_URL"


def rpc_env_var(name: str) -> str:
    return name.upper().replace("-", "_") + "_RPC_URL"


def resolve(name: str, environ: dict[str, str] | None = None) -> Network:
    """The network called `name`; ConfigError says how to fix an unknown name or a missing URL."""
    environ = os.environ if environ is None else environ
    var = rpc_env_var(name)
    url = environ.get(RPC_URL_OVERRIDE, "").strip() or environ.get(var, "").strip()
    if name in EMBEDDED:
        # An embedded network at another URL (e.g. `greenfi chain --port 8555`) is still a local node.
        return dataclasses.replace(EMBEDDED[name], rpc_url=url) if url else EMBEDDED[name]
    if url:
        return Network(name, embedded=False, chain_id=KNOWN_LIVE_CHAIN_IDS.get(name), rpc_url=url)
    if name in KNOWN_LIVE_CHAIN_IDS:
        raise ConfigError(f"missing RPC URL for network '{name}': set {var} in the environment (or in .env)")
    known = ", ".join([*EMBEDDED, *KNOWN_LIVE_CHAIN_IDS])
    raise ConfigError(f"unknown network '{name}': use one of {known}, or set {var} to its RPC URL")
