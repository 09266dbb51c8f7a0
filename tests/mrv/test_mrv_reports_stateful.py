"""Stateful: MRVReports over the real MRVAnchor against a plain-Python model of the report workflow.
Oracle operators anchor batches of signed readings (some forged, then challenged), batches become
final, developers open reports over them, verifiers approve or reject, issuance consumes, the
regulator versions emission factors, projects change hands or status, the network pauses and
accounts freeze. Every call is also tried with bad input or by the wrong people; a refusal reverts
with the exact named error and changes nothing. Invariants: every report and each project's books
match the model; verified totals equal the energy of the readings in the approved reports' batches,
no batch is counted twice, periods never overlap, and a report is consumed at most once."""

from dataclasses import dataclass, field

from brownie import ZERO_ADDRESS, chain
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule
from tests.mrv.support import (DAY, FACTOR, HOUR, OTHER_PROJECT, PROJECT, Batch, ComplianceRules, attempt, chain_now,
                         keccak256, make_device, seed_machine, sign, signed_tuple)

from greenfi.domain.participants import Kind

NONE, ANCHORED, REJECTED, FINALIZED = range(4)  # IMRVAnchor.BatchStatus
OPEN, APPROVED, DECLINED, CONSUMED = 1, 2, 3, 4  # IMRVReports.ReportStatus (3 is Rejected)
PROJECT_ACTIVE, PROJECT_SUSPENDED = 3, 4
UNKNOWN_PROJECT = 77
MAX_BATCHES = 64
SLOT = HOUR  # each reading of a batch covers its own hour
MARGIN = 10 * 60  # seconds kept between the chain's clock and any challenge window's end
FORGER_KEY = make_device(50).key
REPORT_HASH = "0x" + keccak256(b"monitoring report").hex()
DECISION = "0x" + keccak256(b"verification statement").hex()
SOURCE = "0x" + keccak256(b"grid factor source").hex()
FIXTURE_SOURCE = "0x" + keccak256(b"grid factor 2026").hex()  # the reports fixture's factor, version 1

projects_ = st.sampled_from([PROJECT, PROJECT, PROJECT, OTHER_PROJECT])
report_pick = st.one_of(st.none(), st.integers(0, 20))  # None: the latest report
open_flaws = st.sampled_from([None] * 6 + ["no batches", "too many batches", "foreign batch", "unknown batch",
                                           "rejected batch", "repeated batch", "period cut short", "empty period",
                                           "future end", "not the developer"])
deciders = st.sampled_from(["verifier"] * 4 + ["developer", "other_developer", "enterprise", "outsider"])


@dataclass
class AnchoredBatch:
    batch: Batch  # the readings, their tree and header
    forged: bool  # the first reading is signed by a key that is not the device's
    challenge_end: int
    status: int = ANCHORED

    @property
    def root(self):
        return self.batch.root


@dataclass
class Report:
    """The model of one report, field for field IMRVReports.Report, plus the batches it lists."""

    project: int
    start: int
    end: int
    previous_end: int
    version: int
    developer: str
    net: int
    reduction: int
    batch_ids: list
    status: int = OPEN
    verifier: str = ZERO_ADDRESS
    decision: str = "0x" + "00" * 32
    consumed: int = 0  # times issuance consumed it

    def record(self):
        return (self.project, self.start, self.end, self.previous_end, self.version, self.status, self.developer,
                self.verifier, self.net, self.reduction, REPORT_HASH, self.decision)

    @property
    def live(self):
        return self.status != DECLINED


@dataclass
class Books:
    """One project's side of the model."""

    developer: str  # a name in `people`
    active: bool = True
    factors: list = field(default_factory=list)  # versions 1.. as (gramsPerMWh, setAt, sourceHash)
    last_end: int = 0
    pending: int = 0
    cursor: int = 0  # where the project's next batch window starts


class ReportsMachine(ComplianceRules):
    reports = anchor = projects = admin = operator = issuer = challenger = own = foreign = t0 = None  # run_stateful
    freezable = ("developer", "verifier")

    @initialize()
    def start(self):
        self.start_compliance()
        self.batches = {}  # root -> AnchoredBatch, in anchoring order
        self.reports_ = []  # report id - 1 -> Report
        self.books = {PROJECT: Books("developer", factors=[(FACTOR, None, FIXTURE_SOURCE)], cursor=self.t0),
                      OTHER_PROJECT: Books("other_developer", cursor=self.t0)}
        self.sequence = {}  # device id -> last sequence signed
        self.touched_batches, self.touched_projects = set(), set()
        self.restore_seed()

    # ---------------------------------------------------------------- the anchor side

    @rule(project=projects_, energies=st.lists(st.integers(0, 9_000), min_size=1, max_size=3), forged=st.booleans())
    def anchor_batch(self, project, energies, forged):
        books = self.books[project]
        start, end = books.cursor, books.cursor + len(energies) * SLOT
        if end > chain_now() - HOUR:
            return  # windows may not end in the future; the fixtures leave days of room
        devices = self.own if project == PROJECT else [self.foreign]
        items = []
        for k, energy in enumerate(energies):
            device = devices[k % len(devices)]
            seq = self.sequence[device.device_id] = self.sequence.get(device.device_id, 0) + 1
            key = FORGER_KEY if forged and k == 0 else None
            items.append(sign(self.anchor, device, seq, start + k * SLOT, start + (k + 1) * SLOT, energy, key=key))
        batch = Batch(items, project, start, end)
        tx = attempt(self.anchor.anchorBatch, (batch.header(), [], {"from": self.operator}), self.paused_error())
        if tx is not None:
            books.cursor = end
            self.batches[batch.root] = AnchoredBatch(batch, forged, tx.timestamp + self.window)
            self.touched_batches.add(batch.root)

    def _batch(self, i):
        return list(self.batches.values())[i % len(self.batches)]

    @rule(i=st.integers(0, 50))
    def challenge_first_reading(self, i):
        """Only forged batches fall to a challenge (the honest ones hold no fault)."""
        b = self._batch(i)
        error = (b.status != ANCHORED and ("InvalidBatchStatus", b.root, b.status)
                 or chain_now() >= b.challenge_end and ("ChallengeWindowClosed", b.root, b.challenge_end)
                 or not b.forged and ("NoFault",) or None)
        args = (b.root, signed_tuple(b.batch.items[0]), b.batch.proof(0), {"from": self.challenger})
        if attempt(self.anchor.challengeReading, args, error) is not None:
            b.status = REJECTED
        self.touched_batches.add(b.root)

    @rule(i=st.integers(0, 50))
    def finalize(self, i):
        b = self._batch(i)
        error = (self.paused_error()
                 or b.status != ANCHORED and ("InvalidBatchStatus", b.root, b.status)
                 or chain_now() < b.challenge_end and ("ChallengeWindowOpen", b.root, b.challenge_end) or None)
        if attempt(self.anchor.finalize, (b.root, {"from": self.challenger}), error) is not None:
            b.status = FINALIZED
        self.touched_batches.add(b.root)

    # ---------------------------------------------------------------- reports

    def holder(self, root):
        """IMRVReports.reportOfBatch: the live report that lists `root`, 0 when none."""
        for report_id, r in enumerate(self.reports_, 1):
            if r.live and root in r.batch_ids:
                return report_id
        return 0

    def _open_error(self, project, sender, start, end, ids):
        """What openReport must revert with, in the contract's order of checks; None if it succeeds."""
        books = self.books.get(project)
        now = chain_now()
        if self.paused:
            return ("NetworkPaused",)
        if books is None or books.developer != sender:
            return ("NotProjectDeveloper", project, self.people[sender])
        refused = self.refusal(sender, Kind.PROJECT_DEVELOPER)
        if refused:
            return refused
        if not books.active:
            return ("ProjectNotActive", project)
        if start >= end or end > now:
            return ("InvalidPeriod", start, end)
        if start < books.last_end:
            return ("PeriodOverlaps", project, start, books.last_end)
        if books.pending:
            return ("ReportPending", project, books.pending)
        if not 1 <= len(ids) <= MAX_BATCHES:
            return ("InvalidBatchCount", len(ids))
        if not books.factors:
            return ("NoEmissionFactor", project)
        claimed = set()
        for root in ids:
            b = self.batches.get(root)
            if b is None:
                return ("UnknownBatch", root)
            if b.status == REJECTED:
                return ("RejectedBatch", root)
            if b.status == ANCHORED and now < b.challenge_end:
                return ("BatchNotFinal", root, b.challenge_end)
            if b.batch.project != project:
                return ("ForeignBatch", root, b.batch.project)
            if b.batch.window_start < start or b.batch.window_end > end:
                return ("BatchOutsidePeriod", root, b.batch.window_start, b.batch.window_end)
            holder = len(self.reports_) + 1 if root in claimed else self.holder(root)
            if holder:
                return ("BatchAlreadyReported", root, holder)
            claimed.add(root)
        return None

    @rule(project=projects_, first=st.one_of(st.none(), st.integers(0, 30)), count=st.integers(1, 3),
          pad=st.sampled_from([(0, 0), (0, 0), (HOUR, 0), (0, HOUR)]), flaw=open_flaws)
    def open_report(self, project, first, count, pad, flaw):
        """Over `count` consecutive unrejected batches of the project, from the first one after its
        last reported period unless `first` says otherwise, with one optional flaw."""
        books = self.books[project]
        candidates = sorted((b for b in self.batches.values() if b.batch.project == project and b.status != REJECTED),
                            key=lambda b: b.batch.window_start)
        if not candidates:
            return
        if first is None:
            after = [k for k, b in enumerate(candidates) if b.batch.window_start >= books.last_end]
            first = after[0] if after else len(candidates) - 1
        chosen = candidates[first % len(candidates):][:count]
        ids = [b.root for b in chosen]
        start, end = chosen[0].batch.window_start - pad[0], chosen[-1].batch.window_end + pad[1]
        sender = books.developer
        others = [b.root for b in self.batches.values() if b.batch.project != project]
        rejected = [b.root for b in self.batches.values() if b.batch.project == project and b.status == REJECTED]
        if flaw == "no batches":
            ids = []
        elif flaw == "too many batches":
            ids = ids + ["0x" + keccak256(b"filler %d" % k).hex() for k in range(MAX_BATCHES + 1 - len(ids))]
        elif flaw == "foreign batch" and others:
            ids = ids + others[:1]
        elif flaw == "unknown batch":
            ids = ids + ["0x" + keccak256(b"never anchored").hex()]
        elif flaw == "rejected batch" and rejected:
            ids = rejected[:1] + ids
        elif flaw == "repeated batch":
            ids = ids + ids[:1]
        elif flaw == "period cut short":
            start += 1
        elif flaw == "empty period":
            end = start
        elif flaw == "future end":
            end = chain_now() + DAY
        elif flaw == "not the developer":
            sender = "developer" if sender != "developer" else "other_developer"

        error = self._open_error(project, sender, start, end, ids)
        args = (project, start, end, ids, REPORT_HASH, {"from": self.people[sender]})
        tx = attempt(self.reports.openReport, args, error)
        if tx is not None:
            version = len(books.factors)
            net = sum(self.batches[root].batch.header()[4] for root in ids)
            self.reports_.append(Report(project, start, end, books.last_end, version, self.people[sender].address, net,
                                        net * books.factors[-1][0] // 10**6, ids))
            books.last_end, books.pending = end, len(self.reports_)
            assert tx.return_value == books.pending
        self.touched_batches.update(ids[:4])
        self.touched_projects.add(project)

    def _pick(self, i):
        """A report id: the latest for None, else any id from 1 to one past the last (unknown)."""
        if i is None:
            return max(len(self.reports_), 1)
        return 1 + i % (len(self.reports_) + 1)

    def _decide_error(self, report_id, sender):
        if self.paused:
            return ("NetworkPaused",)
        if report_id > len(self.reports_):
            return ("UnknownReport", report_id)
        r = self.reports_[report_id - 1]
        if r.status != OPEN:
            return ("InvalidReportStatus", report_id, r.status)
        if self.people[sender].address in (r.developer, self.people[self.books[r.project].developer].address):
            return ("VerifierIsDeveloper", report_id, self.people[sender])
        return self.refusal(sender, Kind.VERIFIER)

    @rule(i=report_pick, who=deciders, approve=st.booleans())
    def decide(self, i, who, approve):
        report_id = self._pick(i)
        if who == "developer" and report_id <= len(self.reports_):
            who = self.books[self.reports_[report_id - 1].project].developer
        call = self.reports.approveReport if approve else self.reports.rejectReport
        tx = attempt(call, (report_id, DECISION, {"from": self.people[who]}), self._decide_error(report_id, who))
        if tx is None:
            return
        r = self.reports_[report_id - 1]
        books = self.books[r.project]
        r.status, r.verifier, r.decision = (APPROVED if approve else DECLINED), self.people[who].address, DECISION
        books.pending = 0
        if not approve:
            books.last_end = r.previous_end
        self.touched_batches.update(r.batch_ids)
        self.touched_projects.add(r.project)

    @rule(i=report_pick, by_issuer=st.sampled_from([True, True, False]))
    def consume(self, i, by_issuer):
        report_id = self._pick(i)
        sender = self.issuer if by_issuer else self.people["outsider"]
        known = report_id <= len(self.reports_)
        status = self.reports_[report_id - 1].status if known else None
        error = (self.paused_error()
                 or not by_issuer and ("AccessControlUnauthorizedAccount", sender, self.issuer_role)
                 or not known and ("UnknownReport", report_id)
                 or status != APPROVED and ("InvalidReportStatus", report_id, status) or None)
        tx = attempt(self.reports.consumeForIssuance, (report_id, {"from": sender}), error)
        if tx is not None:
            r = self.reports_[report_id - 1]
            r.status, r.consumed = CONSUMED, r.consumed + 1
            assert tuple(tx.return_value) == (r.project, r.start, r.end, r.net, r.reduction, REPORT_HASH,
                                              r.verifier)

    # ---------------------------------------------------------------- methodology and projects

    @rule(project=st.sampled_from([PROJECT, OTHER_PROJECT, UNKNOWN_PROJECT]),
          grams=st.sampled_from([0, 400_000, 900_000]), who=st.sampled_from(["regulator", "auditor", "developer"]))
    def set_emission_factor(self, project, grams, who):
        sender = self.people[who]
        error = (who == "developer" and ("AccessControlUnauthorizedAccount", sender, self.methodology_role)
                 or grams == 0 and ("ZeroEmissionFactor",)
                 or project not in self.books and ("UnknownProject", project) or None)
        tx = attempt(self.reports.setEmissionFactor, (project, grams, SOURCE, {"from": sender}), error)
        if tx is not None:
            self.books[project].factors.append((grams, tx.timestamp, SOURCE))
        self.touched_projects.add(project)

    @rule(project=st.sampled_from([PROJECT, OTHER_PROJECT]),
          to=st.sampled_from(["developer", "other_developer", "verifier"]), active=st.booleans())
    def project_changes(self, project, to, active):
        """The project registry hands the project to another developer, or suspends or resumes it."""
        status = PROJECT_ACTIVE if active else PROJECT_SUSPENDED
        self.projects.setProject(project, self.people[to], status, {"from": self.admin})
        self.books[project].developer, self.books[project].active = to, active

    @rule(seconds=st.integers(HOUR, 2 * DAY))
    def time_passes(self, seconds):
        """Time moves on, never to within MARGIN of a challenge window's end: there the next block's
        timestamp would decide, and the model could not tell which side it falls on."""
        now = chain_now() + seconds
        while any(abs(now - b.challenge_end) <= MARGIN for b in self.batches.values() if b.status == ANCHORED):
            now += 2 * MARGIN
        chain.sleep(now - chain_now())
        chain.mine()

    # ---------------------------------------------------------------- invariants

    @invariant()
    def reports_match_the_model(self):
        assert self.reports.reportCount() == len(self.reports_)
        for report_id, r in enumerate(self.reports_, 1):
            assert tuple(self.reports.report(report_id)) == r.record(), report_id
            assert r.consumed == (r.status == CONSUMED)  # consumed once, and only once approved

    @invariant()
    def books_match_the_model(self):
        """Pending report, last period end and verified totals of the touched projects; the totals
        are the approved reports' figures and the energy of the very readings their batches hold."""
        for project in self.touched_projects & set(self.books):
            books = self.books[project]
            assert self.reports.pendingReport(project) == books.pending
            assert self.reports.lastPeriodEnd(project) == books.last_end
            verified = [r for r in self.reports_ if r.project == project and r.status in (APPROVED, CONSUMED)]
            readings = sum(item.reading.energy_wh for r in verified for root in r.batch_ids
                           for item in self.batches[root].batch.items)
            assert tuple(self.reports.verifiedTotals(project)) == (readings, sum(r.reduction for r in verified))
            version, factor = self.reports.emissionFactor(project)
            assert version == len(books.factors)
            if books.factors:
                grams, set_at, source = books.factors[-1]
                assert (factor[0], factor[2]) == (grams, source) and set_at in (None, factor[1])
        self.touched_projects = set()

    @invariant()
    def no_batch_counted_twice_and_periods_apart(self):
        live = [r for r in self.reports_ if r.live]
        listed = [root for r in live for root in r.batch_ids]
        assert len(listed) == len(set(listed))
        for project in self.books:
            periods = sorted((r.start, r.end) for r in live if r.project == project)
            assert all(a[1] <= b[0] for a, b in zip(periods, periods[1:]))
        for root in self.touched_batches & set(self.batches):
            assert self.reports.reportOfBatch(root) == self.holder(root)
            assert self.anchor.batch(root)[6] == self.batches[root].status
        self.touched_batches = set()


def seed(m):
    """Four final batches of PROJECT (the first approved in report 1, the second open in report 2),
    a forged one rejected by a challenge, and one of OTHER_PROJECT."""
    for _ in range(4):
        m.anchor_batch(project=PROJECT, energies=[4_000, 6_000], forged=False)
    m.anchor_batch(project=PROJECT, energies=[1_000], forged=True)
    m.anchor_batch(project=OTHER_PROJECT, energies=[3_000], forged=False)
    m.challenge_first_reading(i=4)
    m.time_passes(seconds=m.window + HOUR)
    for approve in (True, None):
        m.open_report(project=PROJECT, first=None, count=1, pad=(0, 0), flaw=None)
        if approve:
            m.decide(i=None, who="verifier", approve=True)


def test_reports_follow_the_model(reports, anchor, projects, fleet, mrv_registry, regulator, admin, oracle_operator,
                                  issuer, developer, other_developer, verifier, enterprise, auditor, outsider):
    own, foreign, t0 = fleet
    reports.grantRole(reports.METHODOLOGY_ROLE(), auditor, {"from": admin})
    people = dict(developer=developer, other_developer=other_developer, verifier=verifier, enterprise=enterprise,
                  outsider=outsider, regulator=regulator, auditor=auditor)
    kinds = dict(developer=Kind.PROJECT_DEVELOPER, other_developer=Kind.PROJECT_DEVELOPER, verifier=Kind.VERIFIER,
                 enterprise=Kind.ENTERPRISE)
    context = dict(reports=reports, anchor=anchor, projects=projects, registry=mrv_registry, regulator=regulator,
                   admin=admin, operator=oracle_operator, issuer=issuer, challenger=outsider, own=own,
                   foreign=foreign, t0=t0, people=people, kinds=kinds, window=int(anchor.config()[2]),
                   issuer_role=reports.ISSUER_ROLE(), methodology_role=reports.METHODOLOGY_ROLE())
    run_stateful(ReportsMachine, seeded=seed_machine(ReportsMachine, seed, **context), **context)
