// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IProjectRegistry} from "./IProjectRegistry.sol";

/// @title ICarbonCredits
/// @notice Carbon credits (tCO2e) and green-electricity certificates (MWh) as ERC-1155 batches.
/// Each batch is issued from exactly one approved monitoring report, carries a Carbon Asset
/// Identifier (CAI) and a serial range that no other batch shares, and keeps a per-batch account:
/// issued = circulating (balances outside the market's escrow) + escrowed + retired + cancelled + buffered.
/// Per project, no verified gram (or Wh) is lost to rounding: issued units × 1e6 + the carried
/// remainder = the reductions (or net generation) of every report the project consumed.
///
/// CAI (Carbon Asset Identifier), bytes32: the high 24 bytes are those of keccak256(abi.encode(
/// chainid, address(this), projectId, vintageStart, vintageEnd, serialStart, serialEnd,
/// reportHash)), the low 8 bytes the batch id (so it decodes without an index). Readable form
/// (built off chain): CAI-<jurisdiction>-<project>-<vintage>-<batch>-<serialStart>-<serialEnd>.
interface ICarbonCredits {
    /// @notice A retirement claim: on whose behalf, why, where, and for which consumption period.
    struct Claim {
        address beneficiary;
        bytes32 beneficiaryNameHash; // keccak256 of the beneficiary's legal name
        uint16 reasonCode; // 1 voluntary offset, 2 compliance obligation, 3 green-electricity claim, 4 other
        bytes2 jurisdiction; // where the claim is made (ISO 3166-1 alpha-2)
        uint64 periodStart; // consumption / emission period the claim covers, unix seconds, inclusive
        uint64 periodEnd; // exclusive
    }

    /// @notice A batch as issued.
    struct BatchInfo {
        uint256 projectId;
        uint64 vintageStart;
        uint64 vintageEnd;
        uint64 serialStart;
        uint64 serialEnd; // inclusive
        bytes32 reportHash;
        bytes32 cai;
    }

    /// @notice A batch's units by status. issued = circulating + escrowed + retired + cancelled + buffered.
    struct Supply {
        uint256 issued;
        uint256 circulating; // sum of the balances outside the market's escrow
        uint256 escrowed; // held by the market in escrow (listed, not circulating)
        uint256 retired;
        uint256 cancelled; // cancelled by the regulator or invalidated by a reversal
        uint256 buffered; // held back in the buffer pool
    }

    /// @notice Everything a CAI stands for, and what its readable form needs.
    struct CaiFields {
        uint256 chainId;
        address registry; // this contract
        uint256 batchId;
        uint256 projectId;
        bytes2 jurisdiction;
        IProjectRegistry.CreditClass creditClass;
        uint64 vintageStart;
        uint64 vintageEnd;
        uint64 serialStart;
        uint64 serialEnd;
        bytes32 reportHash;
    }

    /// @notice A retirement certificate. Not a token: it can never be transferred.
    struct Certificate {
        uint256 batchId;
        address retiree;
        uint256 amount;
        uint64 retiredAt;
        Claim claim;
    }

    // ---------------------------------------------------------------- errors

    /// @dev A zero amount.
    error ZeroAmount();
    /// @dev A zero address where an account is needed.
    error ZeroAddress();
    /// @dev No batch has id `batchId`.
    error UnknownBatch(uint256 batchId);
    /// @dev No batch has CAI `cai`.
    error UnknownCai(bytes32 cai);
    /// @dev No certificate has id `certificateId`.
    error UnknownCertificate(uint256 certificateId);
    /// @dev The report's project is not Active.
    error ProjectNotActive(uint256 projectId, IProjectRegistry.ProjectStatus status);
    /// @dev `account` is neither the project's developer nor an ISSUER_ROLE holder.
    error NotIssuer(address account, uint256 projectId);
    /// @dev The report's period is empty or reversed.
    error InvalidVintage(uint64 periodStart, uint64 periodEnd);
    /// @dev The report's period starts before the end of the project's last issued vintage.
    error VintageOverlap(uint256 projectId, uint64 periodStart, uint64 lastVintageEnd);
    /// @dev `holder` holds `available` units of `batchId`, fewer than `requested`.
    error InsufficientTradable(address holder, uint256 batchId, uint256 available, uint256 requested);
    /// @dev A claim's consumption period is empty or reversed.
    error InvalidClaimPeriod(uint64 periodStart, uint64 periodEnd);
    /// @notice Thrown when a buffer share exceeds the hard bound `maxBufferBps` (MAX_BUFFER_BPS, 50 %).
    error BufferShareTooHigh(uint16 bufferBps, uint16 maxBufferBps);
    /// @dev Only the market (MARKET_ROLE) may call this.
    error NotMarket(address account);
    /// @dev MARKET_ROLE is held by `market` already; revoke it first.
    error MarketAlreadySet(address market);
    /// @dev Units escrowed in the market are cancelled or reversed through the market
    /// (CarbonMarket.cancelEscrowed / reverseEscrowed), which shrinks the listing they back.
    error EscrowedUnits(address market);

    // ---------------------------------------------------------------- events

    /// @notice Batch `batchId` was issued from report `reportId`: `quantity` units in total, of
    /// which `buffered` went to the buffer pool and the rest to the project's developer.
    event Issued(
        uint256 indexed batchId,
        uint256 indexed projectId,
        bytes32 indexed cai,
        uint256 reportId,
        ReportRecord report,
        uint64 serialStart,
        uint64 serialEnd,
        uint256 quantity,
        uint256 buffered,
        address developer
    );
    /// @notice Certificate `certificateId` records the retirement of `amount` units of `batchId` by `retiree`.
    event Retired(
        uint256 indexed certificateId, uint256 indexed batchId, address indexed retiree, uint256 amount, Claim claim
    );
    /// @notice The regulator cancelled `amount` units of `batchId` held by `holder`.
    event Cancelled(uint256 indexed batchId, address indexed holder, uint256 amount, bytes32 reasonHash);
    /// @notice A reversal invalidated `amount` units of `batchId`: `fromBuffer` from its buffer pool,
    /// `fromHolder` from `holder`'s balance.
    event Reversed(
        uint256 indexed batchId,
        address indexed holder,
        uint256 amount,
        uint256 fromBuffer,
        uint256 fromHolder,
        bytes32 reasonHash
    );
    /// @notice Emitted when the buffer share of future batches changes.
    event BufferShareSet(uint16 bufferBps);
    /// @notice Emitted when consuming report `reportId` changed project `projectId`'s remainder:
    /// `carried` grams (VER) or Wh (GEC), below one unit, wait for the project's next report.
    /// Also emitted when a report issued nothing (its whole quantity joined the remainder).
    event RemainderCarried(uint256 indexed projectId, uint256 indexed reportId, uint256 carried);

    /// @notice The monitoring report behind a batch, as emitted at issuance (so the chain of
    /// custody can be traced without the MRV contract).
    struct ReportRecord {
        uint64 periodStart;
        uint64 periodEnd;
        uint256 netGenerationWh;
        uint256 reductionGrams;
        bytes32 reportHash;
        address verifier;
    }

    // ---------------------------------------------------------------- issuance

    /// @notice Consume approved monitoring report `reportId` and issue its batch. The report's
    /// reduction (VER, grams) or net generation (GEC, Wh) is added to the project's carried
    /// remainder; floor(total / 1e6) units are issued and the rest (< one unit) is carried to the
    /// project's next report, so no verified gram is lost. The buffer share, rounded up (toward the
    /// buffer), goes to the buffer pool, the rest to the project's developer. Returns the batch id,
    /// or 0 when the total is still below one unit (the report is consumed, its period used, and
    /// its quantity carried).
    /// @dev Caller: the project's developer or ISSUER_ROLE. Reverts with the report contract's
    /// error for an unknown, unapproved or consumed report; ProjectNotActive, NotIssuer,
    /// InvalidVintage, VintageOverlap; NetworkPaused or ComplianceRefused when the developer may
    /// not hold assets. Emits Issued and TransferSingle when a batch is issued; RemainderCarried
    /// when the remainder changed or nothing was issued.
    function issue(uint256 reportId) external returns (uint256 batchId);

    // ---------------------------------------------------------------- retirement

    /// @notice Retire `amount` of the caller's units of `batchId` under `claim`; returns the certificate id.
    /// @dev Caller: any holder that may hold assets. Reverts ZeroAmount, UnknownBatch,
    /// InvalidClaimPeriod, InsufficientTradable, NetworkPaused, ComplianceRefused. Emits Retired, TransferSingle.
    function retire(uint256 batchId, uint256 amount, Claim calldata claim) external returns (uint256 certificateId);

    /// @notice Retire `owner`'s units on its behalf (`owner` is the retiree of record).
    /// @dev Caller: `owner` or an operator it approved (setApprovalForAll). Reverts as `retire`,
    /// and ERC1155MissingApprovalForAll.
    function retireFrom(address owner, uint256 batchId, uint256 amount, Claim calldata claim)
        external
        returns (uint256 certificateId);

    /// @notice Retire units escrowed in the market for `retiree` (buy-and-retire).
    /// @dev Caller: MARKET_ROLE (which has checked the buyer). Reverts NotMarket, and as `retire`.
    function retireFromEscrow(address retiree, uint256 batchId, uint256 amount, Claim calldata claim)
        external
        returns (uint256 certificateId);

    // ---------------------------------------------------------------- regulator

    /// @notice Cancel `amount` units of `batchId` held by `holder` (e.g. issued in error, fraud).
    /// @dev Caller: REGULATOR_ROLE. Works on frozen holders. Reverts ZeroAmount, UnknownBatch,
    /// EscrowedUnits, InsufficientTradable. Emits Cancelled, TransferSingle.
    function cancel(address holder, uint256 batchId, uint256 amount, bytes32 reasonHash) external;

    /// @notice A reversal: a later report shows `amount` units of `batchId` did not hold. They are
    /// drawn first from the batch's buffer pool, the remainder cancelled from `holder`'s balance.
    /// @dev Caller: REGULATOR_ROLE. Reverts ZeroAmount, UnknownBatch, EscrowedUnits (holder is the
    /// market and must give units), InsufficientTradable. Emits Reversed (and TransferSingle when a holder gives units).
    function reverse(uint256 batchId, uint256 amount, address holder, bytes32 reasonHash) external;

    /// @notice Cancel `amount` units of `batchId` held in the market's escrow (the market shrinks
    /// the listing they back). Works on frozen sellers' listings and during a pause.
    /// @dev Caller: MARKET_ROLE, on its regulator's order (CarbonMarket.cancelEscrowed). Reverts
    /// NotMarket, ZeroAmount, UnknownBatch, InsufficientTradable. Emits Cancelled (holder = the
    /// market), TransferSingle.
    function cancelEscrowed(uint256 batchId, uint256 amount, bytes32 reasonHash) external;

    /// @notice A reversal whose holder side is one listing's escrow: `amount` units are drawn first
    /// from the batch's buffer pool, the rest (at most `escrowCap`, the listing's remaining units)
    /// burned from the market's escrow. Returns the units taken from escrow.
    /// @dev Caller: MARKET_ROLE, on its regulator's order (CarbonMarket.reverseEscrowed). Reverts
    /// NotMarket, ZeroAmount, UnknownBatch, InsufficientTradable(market, batchId, escrowCap, needed).
    /// Emits Reversed (holder = the market), TransferSingle when escrow gives units.
    function reverseEscrowed(uint256 batchId, uint256 amount, uint256 escrowCap, bytes32 reasonHash)
        external
        returns (uint256 fromEscrow);

    /// @notice Set the share of each future batch that goes to the buffer pool. Forward-only: an
    /// issued batch keeps the buffer it was issued with.
    /// @dev Caller: GOVERNOR_ROLE (the timelock on live networks). Reverts BufferShareTooHigh
    /// (> MAX_BUFFER_BPS). Emits BufferShareSet.
    function setBufferShare(uint16 bufferBps) external;

    // ---------------------------------------------------------------- views

    function batch(uint256 batchId) external view returns (BatchInfo memory);
    function supplyOf(uint256 batchId) external view returns (Supply memory);
    function caiOf(uint256 batchId) external view returns (bytes32);
    /// @notice The readable CAI of a batch, e.g. "CAI-CN-1-2025-3-1001-1900" (vintage = UTC year of
    /// the period, "2024_2025" when it spans years). For off-chain convenience; issuance never builds it.
    function caiString(uint256 batchId) external view returns (string memory);
    /// @notice The batch of `cai`; reverts UnknownCai when no batch has it.
    function batchOfCai(bytes32 cai) external view returns (uint256);
    /// @notice The fields behind `cai`; reverts UnknownCai.
    function decodeCai(bytes32 cai) external view returns (CaiFields memory);
    function certificate(uint256 certificateId) external view returns (Certificate memory);
    function bufferShare() external view returns (uint16);
    function market() external view returns (address);
    function batchCount() external view returns (uint256);
    function certificateCount() external view returns (uint256);
    /// @notice The next serial number to be issued (serials start at 1).
    function nextSerial() external view returns (uint256);
    /// @notice End (exclusive) of the project's last consumed report period; the next must start at or after it.
    function lastVintageEnd(uint256 projectId) external view returns (uint64);
    /// @notice The project's carried remainder: grams (VER) or Wh (GEC) below one unit, verified
    /// but not yet issued; its next report adds to it.
    function carriedRemainder(uint256 projectId) external view returns (uint256);
}
