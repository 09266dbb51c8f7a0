// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRiskOracle} from "../interfaces/IRiskOracle.sol";

/// @dev Test double of IRiskOracle for the instruments that read scores (bonds, vouchers): scores
/// set directly, reverting like the real oracle when a subject has no usable score.
contract MockRiskOracle is IRiskOracle {
    error NoUsableScore(address subject);

    mapping(address subject => Score) private _scores;

    function setScore(address subject, uint16 scoreBps, uint256 modelVersion) external {
        _scores[subject] = Score(
            scoreBps, modelVersion, keccak256(abi.encode(subject, scoreBps)), bytes32(0),
            uint64(block.timestamp), uint64(block.timestamp + 365 days)
        );
    }

    function clearScore(address subject) external {
        delete _scores[subject];
    }

    function latestScore(address subject) external view returns (Score memory s) {
        s = _scores[subject];
        if (s.modelVersion == 0 || block.timestamp >= s.expiry) revert NoUsableScore(subject);
    }
}
