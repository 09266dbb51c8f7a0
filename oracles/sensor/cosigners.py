"""The sensor daemon's side of co-signing: ask the other operators' co-signers
(`greenfi oracle cosigner`, oracles.sensor.cosign_server) to sign a batch, in parallel, until k-1 of
them did (k read from MRVAnchor for every batch).

Every co-signer is asked at once with a timeout; a reply counts only if its signature recovers, over
the digest this daemon computed, to an operator of the anchor other than this daemon's and the other
signers. A co-signer that refuses, times out or answers nonsense is reported once per attempt
(`on_refused(batch id, url, code, detail)`, the daemon's `cosigner_refused` log line); when fewer
than k-1 signed, the batch is not sent and stays in the outbox, offered again after `retry_after_s`.
Reason codes of the report: the co-signer's own (docs/mrv.md, "Co-signing"), or `unreachable`,
`timeout`, `bad_reply`, `invalid_signature` (it signed, but not as a distinct operator), `no_cosigners` (fewer
co-signers configured than k-1).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass

import requests

from oracles.attestation import attestation_digest
from oracles.readings import Domain, ReadingFormatError
from oracles.sensor import proposal
from oracles.sensor.anchor import AnchorClient, header_of
from oracles.sensor.document import batch_document
from oracles.sensor.store import Store, StoredBatch
from oracles.signing import recover_signer

Report = Callable[[int, str | None, str, str], None]  # (batch id, co-signer URL, reason code, detail)


@dataclass(frozen=True, slots=True)
class CosignerSettings:
    urls: tuple[str, ...] = ()
    timeout_s: float = 30.0  # a co-signer verifies every reading's signature: give it time
    retry_after_s: float = 30.0  # a batch that did not get its signatures is offered again after this

    def __post_init__(self) -> None:
        for url in self.urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"a co-signer URL must start with http:// or https://, got {url!r}")
        if self.timeout_s <= 0 or self.retry_after_s < 0:
            raise ValueError("timeout_s must be positive and retry_after_s not negative")


@dataclass(frozen=True, slots=True)
class _Answer:
    url: str
    signature: bytes | None = None
    code: str | None = None
    detail: str = ""


class CosignerPool:
    """`anchor_batches`' `cosign`: the k-1 co-signatures a batch needs, or None while missing."""

    def __init__(self, settings: CosignerSettings, store: Store, client: AnchorClient, domain: Domain,
                 on_refused: Report = lambda batch_id, url, code, detail: None,
                 clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.store = store
        self.client = client
        self.domain = domain
        self.on_refused = on_refused
        self.clock = clock
        self._signed: dict[bytes, list[bytes]] = {}  # root → co-signatures, for replacements of a sent batch
        self._retry_at: dict[bytes, float] = {}

    def __call__(self, batch: StoredBatch) -> Sequence[bytes] | None:
        needed = self.client.threshold() - 1
        if needed <= 0:
            return ()
        if len(self._signed.get(batch.root, ())) >= needed:
            return self._signed[batch.root][:needed]
        if self.clock() < self._retry_at.get(batch.root, 0.0):
            return None
        signatures = self._collect(batch, needed)
        if signatures is None:
            self._retry_at[batch.root] = self.clock() + self.settings.retry_after_s
            return None
        self._signed[batch.root] = signatures
        return signatures

    def _collect(self, batch: StoredBatch, needed: int) -> list[bytes] | None:
        if len(self.settings.urls) < needed:
            self.on_refused(batch.id, None, "no_cosigners", f"MRVAnchor's threshold needs {needed} co-signature(s), "
                            f"{len(self.settings.urls)} --cosigner given")
            return None
        header = header_of(batch)
        digest = attestation_digest(header, self.domain)
        items = json.loads(batch_document(self.store.batch_members(batch.id)))
        body = json.dumps(proposal.to_json_obj(header, items, digest)).encode()
        valid: dict[str, bytes] = {}  # signer address → signature
        failed: list[_Answer] = []
        # Not a `with`: leaving it would wait for the slowest co-signer even after k-1 have signed.
        pool = ThreadPoolExecutor(max_workers=len(self.settings.urls), thread_name_prefix="cosign")
        futures = [pool.submit(self._ask, url, body) for url in self.settings.urls]
        try:
            for future in as_completed(futures, timeout=self.settings.timeout_s + 5):
                answer = future.result()
                problem = self._accept(answer, digest, valid) if answer.code is None else answer
                if problem is not None:
                    failed.append(problem)
                elif len(valid) >= needed:
                    break
        except FuturesTimeout:
            pass
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # requests' own timeout ends the stragglers
        if len(valid) < needed:
            failed += [_Answer(url, code="timeout", detail=f"no answer within {self.settings.timeout_s:g} s")
                       for future, url in zip(futures, self.settings.urls) if not future.done()]
        if len(valid) >= needed:
            return list(valid.values())[:needed]
        for answer in failed:
            self.on_refused(batch.id, answer.url, answer.code, answer.detail)
        return None

    def _ask(self, url: str, body: bytes) -> _Answer:
        endpoint = url.rstrip("/") + "/cosign"
        try:
            reply = requests.post(endpoint, data=body, headers={"Content-Type": "application/json"},
                                  timeout=self.settings.timeout_s)
        except requests.Timeout:
            return _Answer(url, code="timeout", detail=f"no answer within {self.settings.timeout_s:g} s")
        except requests.RequestException as exc:
            return _Answer(url, code="unreachable", detail=f"{type(exc).__name__}")
        try:
            answer = reply.json()
        except ValueError:
            return _Answer(url, code="bad_reply", detail=f"HTTP {reply.status_code}, not JSON")
        if not isinstance(answer, dict):
            return _Answer(url, code="bad_reply", detail=f"HTTP {reply.status_code}, not a JSON object")
        if reply.status_code != 200:
            return _Answer(url, code=str(answer.get("error", f"http_{reply.status_code}")),
                           detail=str(answer.get("detail", "")))
        try:
            return _Answer(url, signature=bytes.fromhex(str(answer["signature"]).removeprefix("0x")))
        except (KeyError, ValueError):
            return _Answer(url, code="bad_reply", detail="HTTP 200 without a hex signature")

    def _accept(self, answer: _Answer, digest: bytes, valid: dict[str, bytes]) -> _Answer | None:
        """None if `answer`'s signature is a new operator's (added to `valid`), else the problem."""
        try:
            signer = recover_signer(digest, answer.signature)
        except ReadingFormatError as exc:
            return _Answer(answer.url, code="invalid_signature", detail=str(exc))
        if signer == self.client.signer.address or signer in valid:
            return _Answer(answer.url, code="invalid_signature", detail=f"{signer} has signed already")
        if not self.client.is_operator(signer):
            return _Answer(answer.url, code="invalid_signature", detail=f"{signer} is not an operator of MRVAnchor")
        valid[signer] = answer.signature
        return None
