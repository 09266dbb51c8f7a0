"""The risk oracle daemon's lifecycle: score, select, batch, record, send, reconcile; in a loop with a
circuit breaker and graceful SIGTERM, or once (`--once`) waiting for confirmations.

Restart safety rests on three rules:
1. a batch is committed to the outbox, with the nonce it will use, before it is sent;
2. on start and every cycle, open batches are reconciled against the chain: a receipt confirms (or
   fails) a batch; a used nonce without our receipt confirms it only if the chain stores exactly its
   scores, otherwise it was dropped; an unused nonce is sent again with the same nonce, so at most
   one transaction per batch can ever be mined;
3. RiskOracle itself refuses a score whose timestamp is not newer than the stored one, so even a
   duplicate that slipped through would revert rather than post twice.
One daemon per signing key: two daemons sharing a key would race for nonces.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from greenfi.errors import GreenfiError
from oracles.risk.outbox import Batch, Outbox
from oracles.risk.policy import batches, should_post
from oracles.risk.poster import Poster, PostRefused
from oracles.risk.scorer import Scorer, Unscorable, checked_scores, read_features
from oracles.risk.service import Metrics
from oracles.risk.settings import RiskSettings
from oracles.runtime.breaker import Breaker

log = logging.getLogger("greenfi.oracle.risk")


class CircuitOpen(GreenfiError):
    """Too many consecutive failed cycles: the daemon stopped."""


class StaleChain(GreenfiError):
    """The node's latest block is too old: it is probably not in sync, so nothing is posted."""


class DriftRefused(GreenfiError):
    """The features drifted from the model's training sample beyond the card's PSI threshold: the
    cycle posts nothing."""


UNSCORABLE_LOGGED = 20  # unscorable rows logged one per line per cycle; the rest as a count


class RiskDaemon:
    def __init__(self, settings: RiskSettings, poster: Poster, scorer: Scorer, metrics: Metrics | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.poster = poster
        self.scorer = scorer
        self.metrics = metrics or Metrics()
        self.outbox = Outbox(settings.outbox)
        self.breaker = Breaker(settings.max_failures, settings.interval)  # no backoff: the interval is the pace
        self._sleep = sleep
        self._clock = clock
        self._version: int | None = None

    def close(self) -> None:
        self.outbox.close()

    @property
    def model_version(self) -> int:
        """The version this daemon posts under, checked to be approved on every use (a suspension
        stops posting at the next cycle instead of reverting batches)."""
        self._version = self.poster.model_version(
            self._version or self.settings.model_version, getattr(self.scorer, "model_hash", None)
        )
        return self._version

    # ------------------------------------------------------------------ one cycle

    def cycle(self) -> dict[str, int]:
        """Reconcile, score every row, post what changed. Returns counts of this cycle."""
        self.reconcile()
        features = read_features(self.settings.features, self.settings.subject_column)
        self._drift_gate(features)
        scored = checked_scores(self.scorer(features), len(features))
        self._report_unscorable(scored.unscorable)
        rows = scored.rows
        version = self.model_version
        head = self.poster.head()
        self.metrics.set("last_block", head.number)
        age = self._clock() - head.timestamp
        if self.settings.max_block_age and age > self.settings.max_block_age:
            raise StaleChain(f"latest block {head.number} is {age:.0f} s old (limit {self.settings.max_block_age} s): "
                             "is the node in sync?")
        now = head.timestamp  # the chain's clock: a wall clock ahead of it would post "future" scores
        in_flight = self.outbox.in_flight_subjects()
        last = self._last_posted([r.subject for r in rows if r.subject not in in_flight])
        selected = [
            r for r in rows if r.subject not in in_flight
            and should_post(r, last.get(r.subject), version, now, self.settings.threshold_bps, self.settings.heartbeat)
        ]
        skipped = len(rows) - len(selected)
        self.metrics.add("scores_skipped_total", skipped)
        sent = 0
        self.outbox.keep_explanations({r.explanation_hash: scored.explanations[r.explanation_hash]
                                       for r in selected if r.explanation_hash in scored.explanations})
        for chunk in batches(selected, self.settings.batch_size):
            batch = self.outbox.add(self.poster.sender, self._next_nonce(), version, now,
                                    now + self.settings.validity, chunk)
            self._send(batch, head.gas_limit)
            sent += 1
        self._update_pending()
        log.info("cycle: %d rows, %d to post in %d batches, %d skipped, %d unscorable", len(features), len(selected),
                 sent, skipped, len(scored.unscorable))
        return {"rows": len(features), "selected": len(selected), "batches": sent, "skipped": skipped,
                "unscorable": len(scored.unscorable)}

    def _drift_gate(self, features) -> None:
        """Refuse the cycle when the scorer measures drift over its model card's threshold."""
        measure = getattr(self.scorer, "drift", None)
        if measure is None:
            return
        figures = measure(features)
        self.metrics.drift = figures
        if figures["measured"]:
            self.metrics.set("drift_psi_max", figures["max_psi"])
        if figures["over"]:
            self.metrics.add("drift_refusals_total")
            worst = sorted(figures["over"], key=lambda name: -figures["psi"][name])
            shown = ", ".join(f"{name} {figures['psi'][name]:.3f}" for name in worst[:5])
            raise DriftRefused(f"drift gate: PSI over the model card's threshold {figures['threshold']} for {shown}; "
                               f"nothing posted (review the data or revalidate the model)")

    def _report_unscorable(self, unscorable: list[Unscorable]) -> None:
        self.metrics.set_unscorable(unscorable)
        for row in unscorable[:UNSCORABLE_LOGGED]:
            log.warning("unscorable: subject %s, feature %s, reason %s: not posted", row.subject, row.feature, row.reason)
        if len(unscorable) > UNSCORABLE_LOGGED:
            log.warning("unscorable: %d more rows not posted (see /health)", len(unscorable) - UNSCORABLE_LOGGED)

    def _last_posted(self, subjects: list[str]):
        """The last posted score per subject; subjects the outbox does not know are read from the chain
        (so a lost outbox does not make the daemon re-post unchanged scores)."""
        last = self.outbox.last_posted()
        unknown = [s for s in subjects if s not in last]
        for subject, stored in zip(unknown, self.poster.scores_of(unknown) if unknown else []):
            if stored is not None:
                self.outbox.remember(subject, stored[0])
                last[subject] = stored[0]
        return last

    def _next_nonce(self) -> int:
        reserved = self.outbox.next_nonce(self.poster.sender)
        chain = self.poster.nonce("pending")
        return chain if reserved is None else max(chain, reserved)

    def _send(self, batch: Batch, gas_limit: int) -> None:
        try:
            tx_hash = self.poster.send(batch, gas_limit)
        except PostRefused as exc:
            self.outbox.mark_failed(batch.id, str(exc))
            raise
        self.outbox.mark_sent(batch.id, tx_hash)
        self.metrics.add("batches_sent_total")
        log.info("batch %d: %d scores sent in %s (nonce %d)", batch.id, len(batch.items), tx_hash, batch.nonce)

    # ------------------------------------------------------------------ reconciliation

    def reconcile(self) -> int:
        """Settle what the chain says about open batches; returns how many remain open."""
        head = self.poster.head()
        self.metrics.set("last_block", head.number)
        mined_nonce = None
        remaining = 0
        for batch in self.outbox.open_batches():
            receipt = self.poster.receipt(batch.tx_hash) if batch.tx_hash else None
            if receipt is not None:
                if receipt["status"] != 1:
                    self.outbox.mark_failed(batch.id, f"transaction {batch.tx_hash} reverted")
                    self.metrics.add("failures_total")
                    log.error("batch %d: transaction %s reverted", batch.id, batch.tx_hash)
                elif head.number - receipt["blockNumber"] + 1 >= self.settings.confirmations:
                    self._confirm(batch, receipt["blockNumber"], batch.tx_hash)
                else:
                    remaining += 1
                continue
            if mined_nonce is None:
                mined_nonce = self.poster.nonce("latest")
            if mined_nonce > batch.nonce:  # its nonce was used, and not (visibly) by its own tx
                if self.poster.on_chain(batch):
                    self._confirm(batch, None, batch.tx_hash)
                else:
                    self.outbox.mark_dropped(batch.id)
                    log.warning("batch %d: nonce %d used by another transaction; re-evaluating its scores",
                                batch.id, batch.nonce)
            elif batch.tx_hash and self.poster.is_known(batch.tx_hash):
                remaining += 1  # waiting in the node's pool
            else:  # never reached the node (or fell out of its pool): same nonce, so at most one is mined
                log.warning("batch %d: (re)sending with nonce %d", batch.id, batch.nonce)
                self._send(batch, head.gas_limit)
                remaining += 1
        self._update_pending()
        return remaining

    def _confirm(self, batch: Batch, block: int | None, tx_hash: str | None) -> None:
        self.outbox.mark_confirmed(batch.id, block, tx_hash)
        self.metrics.add("scores_posted_total", len(batch.items))
        log.info("batch %d: %d scores confirmed%s", batch.id, len(batch.items), f" in block {block}" if block else "")

    def wait_for_confirmations(self) -> None:
        deadline = time.monotonic() + self.settings.confirm_timeout
        while self.reconcile():
            if time.monotonic() > deadline:
                raise GreenfiError(
                    f"batches still unconfirmed after {self.settings.confirm_timeout:.0f} s; "
                    "they stay in the outbox and are reconciled on the next start"
                )
            self._sleep(0.5)

    def _update_pending(self) -> None:
        counts = self.outbox.counts()
        self.metrics.set("scores_pending", counts["pending"] + counts["sent"])

    # ------------------------------------------------------------------ lifecycle

    def run_once(self) -> dict[str, int]:
        """Score, post, wait for confirmations: the `--once` mode."""
        try:
            result = self.cycle()
            self.wait_for_confirmations()
        except Exception as exc:
            self._failed(exc)
            raise
        self._succeeded()
        return result

    def run(self, stop: threading.Event) -> None:
        """Cycle every `interval` seconds until `stop` is set; CircuitOpen after `max_failures`
        consecutive failed cycles."""
        while not stop.is_set():
            try:
                self.cycle()
            except Exception as exc:  # any failure counts towards the breaker; the outbox keeps state
                self._failed(exc)
                if self.breaker.open:
                    self.metrics.state = "stopped"
                    raise CircuitOpen(
                        f"circuit breaker open: {self.breaker.failures} consecutive failed cycles, last: {exc}; "
                        "fix the cause and restart (unsent batches stay in the outbox)"
                    ) from exc
            else:
                self._succeeded()
            stop.wait(self.breaker.next_wait_s())
        self.metrics.state = "stopped"

    def _failed(self, exc: Exception) -> None:
        self.breaker.failed(exc)
        self.metrics.add("failures_total")
        self.metrics.set("consecutive_failures", self.breaker.failures)
        self.metrics.state = "degraded"
        self.metrics.last_error = str(exc)[:500]
        log.error("cycle failed: %s", exc)

    def _succeeded(self) -> None:
        self.breaker.succeeded()
        self.metrics.set("consecutive_failures", 0)
        self.metrics.set("last_cycle_timestamp_seconds", int(time.time()))
        self.metrics.state = "ok"
        self.metrics.last_error = None
