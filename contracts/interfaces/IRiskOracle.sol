// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRiskOracle
/// @notice The consumer view of AI risk scores: green bonds gate issuers on it and vouchers price
/// discounting with it. Implemented by RiskOracle.
interface IRiskOracle {
    /// @notice One AI decision as recorded on chain.
    struct Score {
        uint16 scoreBps; // probability of the adverse outcome (default / bad credit) in basis points; higher is riskier
        uint256 modelVersion; // id of the version in ModelRegistry that produced it
        bytes32 inputHash; // hash of the canonical feature row the model scored
        bytes32 explanationHash; // hash of the reason codes (top feature contributions)
        uint64 timestamp; // when the score was computed (unix seconds)
        uint64 expiry; // the score must not be used at or after this time
    }

    /// @notice The latest usable score of `subject`.
    /// @dev Reverts when the subject has no score, the score is expired or older than the
    /// oracle's staleness limit, or its model version is not (or no longer) approved.
    function latestScore(address subject) external view returns (Score memory);
}
