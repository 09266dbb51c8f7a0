// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {Actors} from "../lib/Actors.sol";
import {Vectors} from "../lib/Vectors.sol";
import {GreenBond} from "../../../contracts/bond/GreenBond.sol";
import {GreenBondFactory} from "../../../contracts/bond/GreenBondFactory.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {MockProjectRegistry} from "../../../contracts/mocks/MockProjectRegistry.sol";
import {MockMonitoringReportsForBonds} from "../../../contracts/mocks/MockMonitoringReportsForBonds.sol";
import {MockRiskOracle} from "../../../contracts/mocks/MockRiskOracle.sol";
import {ImpactAttribution} from "../../../contracts/finance/ImpactAttribution.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IGreenBond} from "../../../contracts/interfaces/IGreenBond.sol";

/// @title BondCouponDifferential
/// @notice GreenBond's coupon arithmetic against a plain Python reference (tools/forge_vectors.py:
/// exact fractions, calendar days from datetime), 10,000 random series: denomination up to 2^64,
/// rate 0-100 %, 1/2/4/12 periods a year, 30/360 and actual/365, 1-120 periods, issue dates up to
/// the year 2191; for each, the first, the last or a random period. Accrual across holders is the
/// bond-money invariant's (Σ claimable = coupons deposited − claimed, exactly).
contract BondCouponDifferential {
    struct CouponCase {
        uint256 denomination;
        uint16 rateBps;
        uint8 frequency;
        bool thirty360;
        uint64 issueDate;
        uint256 periods;
        uint256 period;
        uint256 expected;
    }

    GreenBondFactory internal factory;
    address internal issuer;
    uint256 internal serial;

    function setUp() public {
        address regulator = Actors.make("regulator");
        ParticipantRegistry registry = Actors.registry(address(this), regulator);
        SettlementToken token = new SettlementToken("Settlement", "eCNY", registry, address(this), address(this));
        ImpactAttribution attribution = new ImpactAttribution(new MockMonitoringReportsForBonds(), address(this), 1, 0);
        GreenBond implementation = new GreenBond(registry, token, new MockProjectRegistry(), attribution, new MockRiskOracle());
        factory = new GreenBondFactory(registry, address(implementation));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(factory));
        issuer = Actors.make("issuer");
        Actors.enrol(registry, regulator, issuer, IParticipantRegistry.Kind.Enterprise);
    }

    function test_couponPerBondMatchesPython() public {
        for (uint256 chunk; chunk < Vectors.CHUNKS; ++chunk) {
            this.checkCoupons(chunk);
        }
    }

    function checkCoupons(uint256 chunk) external {
        CouponCase[] memory cases = abi.decode(Vectors.load("coupons", chunk), (CouponCase[]));
        for (uint256 i; i < cases.length; ++i) {
            CouponCase memory c = cases[i];
            vm.prank(issuer);
            GreenBond bond = GreenBond(factory.createBond(_terms(c), "Diff", "DIFF"));
            vm.assertEq(bond.couponPerBond(c.period), c.expected, "coupon per bond differs from the reference");
        }
    }

    function _terms(CouponCase memory c) private returns (IGreenBond.Terms memory t) {
        t.isin = bytes32(++serial);
        t.denomination = c.denomination;
        t.issueSize = 1;
        t.minimumRaise = 1;
        t.subscriptionStart = c.issueDate - 1;
        t.issueDate = c.issueDate;
        t.maturityDate = uint64(c.issueDate + c.periods * (365 days / c.frequency));
        t.couponRateBps = c.rateBps;
        t.couponFrequency = c.frequency;
        t.dayCount = c.thirty360 ? IGreenBond.DayCount.Thirty360 : IGreenBond.DayCount.Actual365;
        t.riskLimitBps = 10_000;
    }
}
