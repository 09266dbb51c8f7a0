"""Who signs greenfi's transactions.

Local chains: the node's unlocked development accounts. Live chains: an encrypted keystore
(`GREENFI_KEYSTORE` + `GREENFI_KEYSTORE_PASSWORD_FILE` or `GREENFI_KEYSTORE_PASSWORD`), or a raw
key in `GREENFI_PRIVATE_KEY` for CI-style secrets. Keys never come from the repo and are never logged.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from eth_account import Account
from web3 import Web3

from greenfi.errors import ConfigError

if TYPE_CHECKING:
    from greenfi.chain.networks import Network


class Signer(Protocol):
    address: str

    def send(self, w3: Web3, tx: dict[str, Any]) -> bytes:
        """Send `tx` (without nonce/gas fields filled) and return its hash."""


@dataclass
class UnlockedSigner:
    """An account the node holds the key of (anvil, ganache)."""

    address: str

    def send(self, w3: Web3, tx: dict[str, Any]) -> bytes:
        return w3.eth.send_transaction({**tx, "from": self.address})


@dataclass
class KeySigner:
    """A local key that signs transactions in-process; the key is kept out of repr()."""

    address: str
    _key: bytes = field(repr=False)

    @classmethod
    def from_key(cls, key: bytes | str) -> "KeySigner":
        account = Account.from_key(key)
        return cls(account.address, bytes(account.key))

    def send(self, w3: Web3, tx: dict[str, Any]) -> bytes:
        tx = {**tx, "from": self.address}
        tx.setdefault("chainId", w3.eth.chain_id)
        tx.setdefault("nonce", w3.eth.get_transaction_count(self.address, "pending"))
        tx.setdefault("gas", w3.eth.estimate_gas(tx))
        signed = Account.sign_transaction(with_fees(w3, tx), self._key)
        return w3.eth.send_raw_transaction(signed.raw_transaction)

    def sign_digest(self, digest: bytes) -> bytes:
        """The EIP-2098 compact (r ‖ vs) signature of a 32-byte digest, e.g. an MRV batch attestation
        (ECDSA.recover(digest, r, vs) on chain); the key signs nothing else this way."""
        from oracles.signing import sign_digest

        return sign_digest(self._key, digest)


def with_fees(w3: Web3, tx: dict[str, Any]) -> dict[str, Any]:
    """`tx` with EIP-1559 fees (legacy gas price on chains without a base fee), unless it has fees."""
    if "gasPrice" in tx or "maxFeePerGas" in tx:
        return tx
    base_fee = w3.eth.get_block("latest").get("baseFeePerGas")
    if base_fee is None:
        return {**tx, "gasPrice": w3.eth.gas_price}
    tip = w3.eth.max_priority_fee
    # Twice the base fee rides out six full blocks of base-fee increases before the tx is priced out.
    return {**tx, "maxPriorityFeePerGas": tip, "maxFeePerGas": 2 * base_fee + tip}


def signer_from_env(environ: dict[str, str] | None = None) -> KeySigner:
    """The deployer for a live network, from a keystore or a raw key in the environment."""
    environ = os.environ if environ is None else environ
    keystore = environ.get("GREENFI_KEYSTORE")
    if keystore:
        return KeySigner.from_key(_decrypt_keystore(Path(keystore), _keystore_password(environ)))
    raw = environ.get("GREENFI_PRIVATE_KEY")
    if raw:
        try:
            return KeySigner.from_key(raw)
        except (ValueError, TypeError):
            raise ConfigError("GREENFI_PRIVATE_KEY is not a valid 32-byte hex private key") from None
    raise ConfigError(
        "missing deployer key: set GREENFI_KEYSTORE and GREENFI_KEYSTORE_PASSWORD_FILE "
        "(an encrypted JSON keystore), or GREENFI_PRIVATE_KEY"
    )


def _keystore_password(environ: dict[str, str]) -> str:
    password_file = environ.get("GREENFI_KEYSTORE_PASSWORD_FILE")
    if password_file:
        try:
            return Path(password_file).read_text().rstrip("\n")
        except OSError as exc:
            raise ConfigError(f"cannot read GREENFI_KEYSTORE_PASSWORD_FILE: {exc.strerror}") from None
    if "GREENFI_KEYSTORE_PASSWORD" in environ:
        return environ["GREENFI_KEYSTORE_PASSWORD"]
    raise ConfigError("missing keystore password: set GREENFI_KEYSTORE_PASSWORD_FILE or GREENFI_KEYSTORE_PASSWORD")


def _decrypt_keystore(path: Path, password: str) -> bytes:
    try:
        keyfile = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read keystore {path}: {exc}") from None
    try:
        return bytes(Account.decrypt(keyfile, password))
    except ValueError:
        raise ConfigError(f"wrong password for keystore {path}") from None


def signer_for(w3: Web3 | None, network: Network, sender: str | None) -> Signer:
    """Who signs a command's transactions: on a live network the environment's key (`--from`, if
    given, must be its account); on a local node the unlocked account `--from` names, by address or
    index (default the first). A live network's signer needs no connection (`w3` may be None)."""
    if not network.embedded:
        signer = signer_from_env()
        if sender and Web3.to_checksum_address(sender) != signer.address:
            raise ConfigError(f"--from {sender} is not the configured key's account {signer.address}")
        return signer
    accounts = w3.eth.accounts
    if sender is None:
        if not accounts:
            raise ConfigError("the node has no unlocked accounts: pass --from")
        return UnlockedSigner(accounts[0])
    if sender.isdigit():
        if int(sender) >= len(accounts):
            raise ConfigError(f"--from {sender}: the node has {len(accounts)} accounts")
        return UnlockedSigner(accounts[int(sender)])
    if not Web3.is_address(sender):
        raise ConfigError(f"--from must be an address or an account index, got {sender}")
    return UnlockedSigner(Web3.to_checksum_address(sender))
