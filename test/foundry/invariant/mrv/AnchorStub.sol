// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMRVAnchor} from "../../../../contracts/interfaces/IMRVAnchor.sol";

/// @title AnchorStub
/// @notice The part of MRVAnchor that MRVReports reads (`batch`), with batches set directly: the
/// reports suite drives batch states (final, in the window, rejected) without operators and
/// signatures. The anchor's own laws need the real anchor (see docs/quality.md).
contract AnchorStub {
    mapping(bytes32 batchId => IMRVAnchor.Batch) private _batches;

    function setBatch(bytes32 batchId, IMRVAnchor.Batch calldata b) external {
        _batches[batchId] = b;
    }

    function batch(bytes32 batchId) external view returns (IMRVAnchor.Batch memory) {
        return _batches[batchId];
    }
}
