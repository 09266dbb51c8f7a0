// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title CouponRecords
/// @notice Record-date coupon entitlements of one holder, kept lazily: nothing is written on a record date,
/// only when the holder's balance changes or it claims.
/// @dev Periods are numbered 1..n; `epoch` is how many record dates have begun, `funded` how many periods
/// the issuer has funded (in order). A holder's balance at the record date of every period in
/// (through, epoch] is its balance before the change being recorded, as nothing changed it since `through`.
/// Funded periods are credited at once (`cum` is Σ couponPerBond through a period); record dates passed
/// while the period is still unfunded are kept as segments and credited when funding comes. A segment
/// covers at least one period and segments never overlap, so a holder has at most n of them: every loop
/// here is bounded by the series' periods (≤ 120).
library CouponRecords {
    /// @dev The holder held `bonds` at the record dates of periods (from, to], unfunded when recorded.
    struct Segment {
        uint32 from;
        uint32 to;
        uint64 bonds;
    }

    struct Holder {
        uint128 owed; // credited, not yet claimed
        uint32 through; // the record dates of periods ≤ this are accounted for
        uint32 head; // the first segment not yet credited
        Segment[] segments;
    }

    /// @dev Call before the holder's balance changes from `balanceBefore`.
    function record(
        Holder storage h,
        uint256 balanceBefore,
        uint256 epoch,
        uint256 funded,
        mapping(uint256 => uint256) storage cum
    ) internal {
        uint256 through = h.through;
        if (epoch <= through) return; // no record date began since the last change: nothing to keep
        uint256 credited = epoch < funded ? epoch : funded;
        if (credited > through) {
            h.owed += SafeCast.toUint128(balanceBefore * (cum[credited] - cum[through]));
        }
        uint256 start = through > funded ? through : funded;
        if (epoch > start && balanceBefore != 0) {
            // epoch ≤ 120 periods and balanceBefore ≤ issueSize < 2^64: the casts cannot truncate
            h.segments.push(Segment(uint32(start), uint32(epoch), uint64(balanceBefore)));
        }
        h.through = uint32(epoch);
    }

    /// @dev Credits everything claimable now with the balance unchanged: funded periods whose record date
    /// began since `through`, and the segments whose periods are now funded.
    function settle(
        Holder storage h,
        uint256 balance,
        uint256 epoch,
        uint256 funded,
        mapping(uint256 => uint256) storage cum
    ) internal {
        (uint256 owed, uint256 through, uint256 head, uint256 partFrom) = _due(h, balance, epoch, funded, cum);
        h.owed = SafeCast.toUint128(owed);
        h.through = uint32(through); // ≤ 120 periods
        h.head = uint32(head); // ≤ 120 segments
        if (partFrom != 0) h.segments[head].from = uint32(partFrom);
    }

    /// @dev What `settle` would credit, plus what is owed already.
    function claimable(
        Holder storage h,
        uint256 balance,
        uint256 epoch,
        uint256 funded,
        mapping(uint256 => uint256) storage cum
    ) internal view returns (uint256 owed) {
        (owed,,,) = _due(h, balance, epoch, funded, cum);
    }

    /// @dev The holder's claimable coupons and where its records stand once they are credited: `through`, the
    /// first segment not fully credited (`head`) and that segment's new start if it was credited in part.
    /// Periods in (through, epoch] not yet funded stay unaccounted: the unchanged balance still answers them.
    function _due(
        Holder storage h,
        uint256 balance,
        uint256 epoch,
        uint256 funded,
        mapping(uint256 => uint256) storage cum
    ) private view returns (uint256 owed, uint256 through, uint256 head, uint256 partFrom) {
        owed = h.owed;
        through = h.through;
        uint256 upTo = epoch < funded ? epoch : funded;
        if (upTo > through) {
            owed += balance * (cum[upTo] - cum[through]);
            through = upTo;
        }
        uint256 length = h.segments.length;
        for (head = h.head; head < length; ++head) {
            Segment memory s = h.segments[head];
            if (s.from >= funded) break; // later segments are later periods: none funded yet
            uint256 end = s.to < funded ? s.to : funded;
            owed += uint256(s.bonds) * (cum[end] - cum[s.from]);
            if (end < s.to) {
                partFrom = end;
                break;
            }
        }
    }
}
