// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IProjectRegistryWorkflow} from "../interfaces/IProjectRegistryWorkflow.sol";
import {IMonitoringReports} from "../interfaces/IMonitoringReports.sol";
import {ICarbonCredits} from "../interfaces/ICarbonCredits.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title CarbonCredits
/// @notice ERC-1155 carbon credits and green-electricity certificates: one token id per batch,
/// issued only by consuming an approved monitoring report, with a CAI, non-overlapping serials and
/// vintages, a buffer pool, retirement certificates, cancellation and reversal.
///
/// Buffer pool: buffered units are not minted; the batch's `buffered` counter is the pool. A
/// reversal draws it before touching any holder's balance.
///
/// Remainders: a project's verified quantity below one unit is carried to its next report, so
/// issued units × 1e6 + carried = Σ consumed reports' grams (or Wh), exactly.
contract CarbonCredits is ICarbonCredits, ERC1155, GovernedAccessControl, ComplianceGuard {
    using SafeCast for uint256;

    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    /// @notice The market: its escrow is exempt from the per-transfer check (it checks both sides itself).
    bytes32 public constant MARKET_ROLE = keccak256("MARKET_ROLE");

    /// @dev Base quantities per unit: grams per tCO2e (VER) = Wh per MWh (GEC).
    uint256 private constant PER_UNIT = 1e6;
    uint256 private constant BPS = 10_000;
    /// @notice The hard bound of the buffer share: half of every issuance at most.
    uint16 public constant MAX_BUFFER_BPS = 5_000;

    IProjectRegistryWorkflow public immutable projects;
    IMonitoringReports public immutable reports;

    /// @dev Three slots: ids, vintage and first serial; the four counters; the report hash.
    struct Batch {
        uint64 projectId;
        uint64 vintageStart;
        uint64 vintageEnd;
        uint64 serialStart;
        uint64 issued;
        uint64 buffered;
        uint64 retired;
        uint64 cancelled;
        bytes32 reportHash;
    }

    /// @dev One slot per project, rewritten by each of its issuances: where its next report may
    /// start and what it carries (< 1e6 grams or Wh, so uint64 fits).
    struct ProjectIssuance {
        uint64 lastVintageEnd;
        uint64 carried;
    }

    /// @dev A certificate in four slots.
    struct StoredCertificate {
        address retiree;
        uint64 batchId;
        bytes2 jurisdiction;
        uint16 reasonCode;
        address beneficiary;
        uint64 amount;
        uint64 periodStart;
        uint64 periodEnd;
        uint64 retiredAt;
        bytes32 beneficiaryNameHash;
    }

    // One slot, written by every issuance and retirement. Serials start at 1, so the slot is never
    // zero and each write costs a warm-slot update rather than a fresh one.
    uint64 private _batchCount;
    uint64 private _nextSerial = 1;
    uint64 private _certificateCount;
    uint16 private _bufferBps;

    address private _market;

    mapping(uint256 batchId => Batch) private _batches;
    mapping(uint256 projectId => ProjectIssuance) private _projectIssuance;
    mapping(uint256 certificateId => StoredCertificate) private _certificates;

    constructor(
        IParticipantRegistry registry_,
        IProjectRegistryWorkflow projects_,
        IMonitoringReports reports_,
        address admin,
        address regulator,
        uint16 bufferBps_
    ) ERC1155("") ComplianceGuard(registry_) GovernedAccessControl(networkAdminDelay(address(registry_)), admin) {
        if (
            address(projects_) == address(0) || address(reports_) == address(0) || admin == address(0)
                || regulator == address(0)
        ) revert ZeroAddress();
        if (bufferBps_ > MAX_BUFFER_BPS) revert BufferShareTooHigh(bufferBps_, MAX_BUFFER_BPS);
        projects = projects_;
        reports = reports_;
        _bufferBps = bufferBps_;
        _grantRole(REGULATOR_ROLE, regulator);
        _governRole(ISSUER_ROLE);
        _governRole(MARKET_ROLE);
    }

    // ---------------------------------------------------------------- issuance

    /// @inheritdoc ICarbonCredits
    function issue(uint256 reportId) external returns (uint256 batchId) {
        // The report contract is trusted (immutable); consuming first is safe because any revert
        // below undoes the consumption.
        IMonitoringReports.IssuableReport memory r = reports.consumeForIssuance(reportId);
        (address developer, IProjectRegistry.CreditClass creditClass, IProjectRegistry.ProjectStatus status,) =
            projects.issuanceProfile(r.projectId);
        if (status != IProjectRegistry.ProjectStatus.Active) revert ProjectNotActive(r.projectId, status);
        if (msg.sender != developer && !hasRole(ISSUER_ROLE, msg.sender)) revert NotIssuer(msg.sender, r.projectId);
        _requireCanActAs(developer, IParticipantRegistry.Kind.ProjectDeveloper);
        if (r.periodEnd <= r.periodStart) revert InvalidVintage(r.periodStart, r.periodEnd);
        uint256 quantity = _takeWholeUnits(
            reportId, r, creditClass == IProjectRegistry.CreditClass.VerifiedEmissionReduction
        );
        if (quantity != 0) {
            batchId = _record(reportId, r, quantity.toUint64(), developer);
            _mint(developer, batchId, quantity - _batches[batchId].buffered, "");
        }
    }

    /// @dev Uses report `r`'s period for its project and adds its quantity (grams for a VER
    /// project, Wh for GEC) to the project's remainder; returns the whole units the sum makes and
    /// keeps the rest (< one unit) carried. Emits RemainderCarried when the remainder changed or
    /// no unit came out.
    function _takeWholeUnits(uint256 reportId, IMonitoringReports.IssuableReport memory r, bool ver)
        private
        returns (uint256 quantity)
    {
        ProjectIssuance storage p = _projectIssuance[r.projectId];
        uint64 lastEnd = p.lastVintageEnd;
        if (r.periodStart < lastEnd) revert VintageOverlap(r.projectId, r.periodStart, lastEnd);
        uint256 carriedBefore = p.carried;
        uint256 total = (ver ? r.reductionGrams : r.netGenerationWh) + carriedBefore;
        quantity = total / PER_UNIT;
        uint256 carried = total % PER_UNIT; // < 1e6: fits uint64
        // The period is used whether or not a unit comes out: its quantity is carried, never lost.
        p.lastVintageEnd = r.periodEnd;
        if (carried != carriedBefore) p.carried = uint64(carried);
        if (carried != carriedBefore || quantity == 0) emit RemainderCarried(r.projectId, reportId, carried);
    }

    /// @dev Stores batch `batchId` of `quantity` units for report `r` and emits Issued.
    function _record(uint256 reportId, IMonitoringReports.IssuableReport memory r, uint64 quantity, address developer)
        private
        returns (uint256 batchId)
    {
        // Rounded up, toward the buffer, so a small batch still feeds the pool; <= quantity: fits.
        uint64 buffered = uint64(Math.mulDiv(quantity, _bufferBps, BPS, Math.Rounding.Ceil));
        uint64 serialStart = _nextSerial;
        // Serials come from one counter that only grows, so ranges never overlap; the addition
        // cannot wrap silently (checked arithmetic).
        uint64 serialEnd = serialStart + quantity - 1;
        batchId = ++_batchCount;
        _nextSerial = serialEnd + 1;
        _batches[batchId] = Batch({
            projectId: r.projectId.toUint64(),
            vintageStart: r.periodStart,
            vintageEnd: r.periodEnd,
            serialStart: serialStart,
            issued: quantity,
            buffered: buffered,
            retired: 0,
            cancelled: 0,
            reportHash: r.reportHash
        });
        bytes32 cai = _cai(batchId, r.projectId, r.periodStart, r.periodEnd, serialStart, serialEnd, r.reportHash);
        emit Issued(
            batchId,
            r.projectId,
            cai,
            reportId,
            ReportRecord(r.periodStart, r.periodEnd, r.netGenerationWh, r.reductionGrams, r.reportHash, r.verifier),
            serialStart,
            serialEnd,
            quantity,
            buffered,
            developer
        );
    }

    // ---------------------------------------------------------------- retirement

    /// @inheritdoc ICarbonCredits
    function retire(uint256 batchId, uint256 amount, Claim calldata claim) external returns (uint256) {
        _requireCanHold(msg.sender);
        return _retire(msg.sender, msg.sender, batchId, amount, claim);
    }

    /// @inheritdoc ICarbonCredits
    function retireFrom(address owner, uint256 batchId, uint256 amount, Claim calldata claim)
        external
        returns (uint256)
    {
        if (owner != msg.sender && !isApprovedForAll(owner, msg.sender)) {
            revert ERC1155MissingApprovalForAll(msg.sender, owner);
        }
        _requireCanHold(owner);
        return _retire(owner, owner, batchId, amount, claim);
    }

    /// @inheritdoc ICarbonCredits
    function retireFromEscrow(address retiree, uint256 batchId, uint256 amount, Claim calldata claim)
        external
        returns (uint256)
    {
        if (msg.sender != _market) revert NotMarket(msg.sender);
        return _retire(msg.sender, retiree, batchId, amount, claim);
    }

    // ---------------------------------------------------------------- regulator

    /// @inheritdoc ICarbonCredits
    function cancel(address holder, uint256 batchId, uint256 amount, bytes32 reasonHash)
        external
        onlyRole(REGULATOR_ROLE)
    {
        if (holder == _market) revert EscrowedUnits(holder);
        _cancel(holder, batchId, amount, reasonHash);
    }

    /// @inheritdoc ICarbonCredits
    function cancelEscrowed(uint256 batchId, uint256 amount, bytes32 reasonHash) external {
        if (msg.sender != _market) revert NotMarket(msg.sender);
        _cancel(msg.sender, batchId, amount, reasonHash);
    }

    /// @inheritdoc ICarbonCredits
    function reverse(uint256 batchId, uint256 amount, address holder, bytes32 reasonHash)
        external
        onlyRole(REGULATOR_ROLE)
    {
        if (holder == _market) revert EscrowedUnits(holder);
        _reverse(batchId, amount, holder, type(uint256).max, reasonHash);
    }

    /// @inheritdoc ICarbonCredits
    function reverseEscrowed(uint256 batchId, uint256 amount, uint256 escrowCap, bytes32 reasonHash)
        external
        returns (uint256)
    {
        if (msg.sender != _market) revert NotMarket(msg.sender);
        return _reverse(batchId, amount, msg.sender, escrowCap, reasonHash);
    }

    /// @inheritdoc ICarbonCredits
    function setBufferShare(uint16 bufferBps_) external onlyRole(GOVERNOR_ROLE) {
        if (bufferBps_ > MAX_BUFFER_BPS) revert BufferShareTooHigh(bufferBps_, MAX_BUFFER_BPS);
        _bufferBps = bufferBps_;
        emit BufferShareSet(bufferBps_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICarbonCredits
    function batch(uint256 batchId) external view returns (BatchInfo memory info) {
        Batch storage b = _existing(batchId);
        uint64 serialEnd = b.serialStart + b.issued - 1;
        info = BatchInfo(
            b.projectId,
            b.vintageStart,
            b.vintageEnd,
            b.serialStart,
            serialEnd,
            b.reportHash,
            _cai(batchId, b.projectId, b.vintageStart, b.vintageEnd, b.serialStart, serialEnd, b.reportHash)
        );
    }

    /// @inheritdoc ICarbonCredits
    function supplyOf(uint256 batchId) external view returns (Supply memory s) {
        Batch storage b = _existing(batchId);
        s.issued = b.issued;
        s.retired = b.retired;
        s.cancelled = b.cancelled;
        s.buffered = b.buffered;
        s.escrowed = _market == address(0) ? 0 : balanceOf(_market, batchId);
        s.circulating = s.issued - s.retired - s.cancelled - s.buffered - s.escrowed;
    }

    /// @inheritdoc ICarbonCredits
    function caiOf(uint256 batchId) external view returns (bytes32) {
        return _caiOf(batchId, _existing(batchId));
    }

    /// @inheritdoc ICarbonCredits
    function caiString(uint256 batchId) external view returns (string memory) {
        Batch storage b = _existing(batchId);
        (,,, bytes2 jurisdiction) = projects.issuanceProfile(b.projectId);
        return string.concat(
            "CAI-",
            string(abi.encodePacked(jurisdiction)),
            "-",
            Strings.toString(b.projectId),
            "-",
            _vintage(b.vintageStart, b.vintageEnd),
            "-",
            Strings.toString(batchId),
            "-",
            Strings.toString(b.serialStart),
            "-",
            Strings.toString(b.serialStart + b.issued - 1)
        );
    }

    /// @inheritdoc ICarbonCredits
    function batchOfCai(bytes32 cai) public view returns (uint256 batchId) {
        // The low 8 bytes of a CAI are its batch id; the rest must match that batch's fields.
        batchId = uint64(uint256(cai));
        Batch storage b = _batches[batchId];
        if (b.issued == 0 || _caiOf(batchId, b) != cai) revert UnknownCai(cai);
    }

    /// @inheritdoc ICarbonCredits
    function decodeCai(bytes32 cai) external view returns (CaiFields memory f) {
        f.batchId = batchOfCai(cai);
        Batch storage b = _batches[f.batchId];
        f.chainId = block.chainid;
        f.registry = address(this);
        f.projectId = b.projectId;
        (, f.creditClass,, f.jurisdiction) = projects.issuanceProfile(b.projectId);
        f.vintageStart = b.vintageStart;
        f.vintageEnd = b.vintageEnd;
        f.serialStart = b.serialStart;
        f.serialEnd = b.serialStart + b.issued - 1;
        f.reportHash = b.reportHash;
    }

    /// @inheritdoc ICarbonCredits
    function certificate(uint256 certificateId) external view returns (Certificate memory) {
        StoredCertificate storage c = _certificates[certificateId];
        if (c.retiree == address(0)) revert UnknownCertificate(certificateId);
        return Certificate(
            c.batchId,
            c.retiree,
            c.amount,
            c.retiredAt,
            Claim(c.beneficiary, c.beneficiaryNameHash, c.reasonCode, c.jurisdiction, c.periodStart, c.periodEnd)
        );
    }

    /// @inheritdoc ICarbonCredits
    function bufferShare() external view returns (uint16) {
        return _bufferBps;
    }

    /// @inheritdoc ICarbonCredits
    function market() external view returns (address) {
        return _market;
    }

    /// @inheritdoc ICarbonCredits
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @inheritdoc ICarbonCredits
    function certificateCount() external view returns (uint256) {
        return _certificateCount;
    }

    /// @inheritdoc ICarbonCredits
    function nextSerial() external view returns (uint256) {
        return _nextSerial;
    }

    /// @inheritdoc ICarbonCredits
    function lastVintageEnd(uint256 projectId) external view returns (uint64) {
        return _projectIssuance[projectId].lastVintageEnd;
    }

    /// @inheritdoc ICarbonCredits
    function carriedRemainder(uint256 projectId) external view returns (uint256) {
        return _projectIssuance[projectId].carried;
    }

    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, GovernedAccessControl) returns (bool) {
        return interfaceId == type(ICarbonCredits).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    function _retire(address holder, address retiree, uint256 batchId, uint256 amount, Claim calldata claim)
        private
        returns (uint256 certificateId)
    {
        Batch storage b = _existing(batchId);
        if (amount == 0) revert ZeroAmount();
        if (claim.periodEnd <= claim.periodStart) revert InvalidClaimPeriod(claim.periodStart, claim.periodEnd);
        uint256 available = balanceOf(holder, batchId);
        if (available < amount) revert InsufficientTradable(holder, batchId, available, amount);
        // amount <= a balance <= issued, which fits in uint64; certificates count one per call.
        b.retired += uint64(amount);
        certificateId = ++_certificateCount;
        _certificates[certificateId] = StoredCertificate({
            retiree: retiree,
            batchId: uint64(batchId),
            jurisdiction: claim.jurisdiction,
            reasonCode: claim.reasonCode,
            beneficiary: claim.beneficiary,
            amount: uint64(amount),
            periodStart: claim.periodStart,
            periodEnd: claim.periodEnd,
            retiredAt: uint64(block.timestamp),
            beneficiaryNameHash: claim.beneficiaryNameHash
        });
        _burn(holder, batchId, amount);
        emit Retired(certificateId, batchId, retiree, amount, claim);
    }

    /// @dev Burns `amount` of `holder`'s units of `batchId` as cancelled (regulator's order).
    function _cancel(address holder, uint256 batchId, uint256 amount, bytes32 reasonHash) private {
        Batch storage b = _existing(batchId);
        if (amount == 0) revert ZeroAmount();
        _requireHolds(holder, batchId, amount, type(uint256).max);
        // amount <= holder's balance <= issued, which fits in uint64.
        b.cancelled += uint64(amount);
        _burn(holder, batchId, amount);
        emit Cancelled(batchId, holder, amount, reasonHash);
    }

    /// @dev A reversal of `amount` units: the buffer pool first, then at most `cap` of `holder`'s
    /// units. Returns the units taken from `holder`.
    function _reverse(uint256 batchId, uint256 amount, address holder, uint256 cap, bytes32 reasonHash)
        private
        returns (uint256 fromHolder)
    {
        Batch storage b = _existing(batchId);
        if (amount == 0) revert ZeroAmount();
        uint256 buffered = b.buffered;
        uint256 fromBuffer = amount < buffered ? amount : buffered;
        fromHolder = amount - fromBuffer;
        if (fromHolder > 0) _requireHolds(holder, batchId, fromHolder, cap);
        // fromBuffer <= buffered and amount <= buffered + a balance <= issued: all fit in uint64.
        b.buffered = uint64(buffered - fromBuffer);
        b.cancelled += uint64(amount);
        if (fromHolder > 0) _burn(holder, batchId, fromHolder);
        emit Reversed(batchId, holder, amount, fromBuffer, fromHolder, reasonHash);
    }

    /// @dev `holder` can give `amount` units of `batchId`: its balance, at most `cap` of it.
    function _requireHolds(address holder, uint256 batchId, uint256 amount, uint256 cap) private view {
        uint256 available = balanceOf(holder, batchId);
        if (available > cap) available = cap;
        if (available < amount) revert InsufficientTradable(holder, batchId, available, amount);
    }

    /// @dev The UTC year of [start, end), or "Y1_Y2" when it spans years.
    function _vintage(uint64 start, uint64 end) private pure returns (string memory) {
        uint256 first = _year(start);
        uint256 last = _year(end - 1);
        if (first == last) return Strings.toString(first);
        return string.concat(Strings.toString(first), "_", Strings.toString(last));
    }

    /// @dev The proleptic Gregorian year of unix time `ts` (H. Hinnant's civil_from_days).
    function _year(uint256 ts) private pure returns (uint256) {
        uint256 z = ts / 86_400 + 719_468;
        uint256 era = z / 146_097;
        uint256 doe = z - era * 146_097;
        uint256 yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        uint256 mp = (5 * doy + 2) / 153;
        uint256 year = yoe + era * 400;
        return mp >= 10 ? year + 1 : year; // months Jan and Feb belong to the next civil year
    }

    function _existing(uint256 batchId) private view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.issued == 0) revert UnknownBatch(batchId);
    }

    function _caiOf(uint256 batchId, Batch storage b) private view returns (bytes32) {
        return _cai(batchId, b.projectId, b.vintageStart, b.vintageEnd, b.serialStart, b.serialStart + b.issued - 1, b.reportHash);
    }

    /// @dev The CAI: the high 24 bytes of keccak256(abi.encode(chain id, this registry, project,
    /// vintage start, vintage end, serial start, serial end, report hash)), the low 8 bytes the
    /// batch id, so a CAI decodes in O(1) without an index.
    function _cai(
        uint256 batchId,
        uint256 projectId,
        uint64 vintageStart,
        uint64 vintageEnd,
        uint64 serialStart,
        uint64 serialEnd,
        bytes32 reportHash
    ) private view returns (bytes32) {
        bytes32 digest = keccak256(
            abi.encode(block.chainid, address(this), projectId, vintageStart, vintageEnd, serialStart, serialEnd, reportHash)
        );
        return (digest & ~bytes32(uint256(type(uint64).max))) | bytes32(batchId);
    }

    /// @dev Every transfer between holders asks the participant registry; mints and burns are this
    /// contract's own bookkeeping, and moves into or out of the market's escrow are checked by the
    /// market (seller at listing and fill, buyer at fill).
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) {
            address escrow = _market;
            if (from != escrow && to != escrow) _requireCanTransact(from, to);
        }
        super._update(from, to, ids, values);
    }

    /// @dev MARKET_ROLE has one holder at a time, cached in `_market` so a transfer reads one slot.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        if (role == MARKET_ROLE) {
            address current = _market;
            if (current != address(0) && current != account) revert MarketAlreadySet(current);
            _market = account;
        }
        return super._grantRole(role, account);
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == MARKET_ROLE) _market = address(0);
    }
}
