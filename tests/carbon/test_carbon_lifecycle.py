"""The whole life of a carbon batch: project, report, issuance, trade, retirement, cancellation, reversal."""

from brownie import chain, web3
from tests.carbon.support import DAY, MWH, PERIOD0, VER, b32, claim, h, report, supply
from tests.support.chain import UNIT, event


def test_full_lifecycle(projects, reports, credits, market, settlement_token, funded, developer, verifier,
                        regulator, enterprise, supplier, treasury):
    # project: submitted by the developer, validated by a verifier, activated by the regulator
    pid = projects.submitProject(h("VM0042"), h("v2.1"), VER, b"CN", h("site"), {"from": developer}).return_value
    projects.validate(pid, h("validation report"), {"from": verifier})
    projects.activate(pid, h("decision"), {"from": regulator})
    assert projects.isActive(pid)

    # issuance from an approved report: 1234.5 t -> 1234 units (0.5 t carried), 10 % rounded up (124) to the buffer
    start, end = PERIOD0, PERIOD0 + 90 * DAY
    reports.setReport(7, report(pid, start, end, verifier, grams=1_234_500_000), True)
    tx = credits.issue(7, {"from": developer})
    batch_id = tx.return_value
    issued = event(tx, "Issued")
    assert issued["reportId"] == 7 and issued["quantity"] == 1234 and issued["buffered"] == 124
    assert issued["serialStart"] == 1 and issued["serialEnd"] == 1234
    assert issued["report"][5] == verifier.address  # the verifier, recorded for the trace
    assert credits.balanceOf(developer, batch_id) == 1110 and credits.carriedRemainder(pid) == 500_000
    cai = credits.caiOf(batch_id)
    expected_cai = web3.keccak(
        web3.codec.encode(
            ["uint256", "address", "uint256", "uint64", "uint64", "uint64", "uint64", "bytes32"],
            [chain.id, credits.address, pid, start, end, 1, 1234, report(pid, start, end, verifier)[5]],
        )
    )
    assert b32(cai) == bytes(expected_cai)[:24] + batch_id.to_bytes(8, "big")
    assert credits.batchOfCai(cai) == batch_id
    fields = credits.decodeCai(cai)
    assert fields[2] == batch_id and bytes(fields[4]) == b"CN" and fields[8] == 1 and fields[9] == 1234

    # transfer, market listing, partial fill, buy-and-retire
    credits.safeTransferFrom(developer, supplier, batch_id, 100, b"", {"from": developer})
    credits.setApprovalForAll(market, True, {"from": developer})
    listing_id = market.list(batch_id, 500, 20 * UNIT, chain.time() + 30 * DAY, {"from": developer}).return_value
    assert credits.balanceOf(market, batch_id) == 500
    fill = market.fill(listing_id, 200, {"from": enterprise})
    assert event(fill, "Filled")["cost"] == 4000 * UNIT and event(fill, "Filled")["fee"] == 40 * UNIT
    assert credits.balanceOf(enterprise, batch_id) == 200
    assert market.credited(developer) == 3960 * UNIT and market.credited(treasury) == 40 * UNIT
    cert_tx = market.buyAndRetire(listing_id, 50, claim(enterprise), {"from": enterprise})
    cert_id = cert_tx.return_value
    cert = credits.certificate(cert_id)
    assert cert[0] == batch_id and cert[1] == enterprise and cert[2] == 50

    # retirement by a holder, and on behalf with approval
    credits.retire(batch_id, 30, claim(supplier, name="Supplier Co"), {"from": supplier})
    credits.setApprovalForAll(supplier, True, {"from": enterprise})
    c2 = credits.retireFrom(enterprise, batch_id, 20, claim(enterprise), {"from": supplier}).return_value
    assert credits.certificate(c2)[1] == enterprise

    # cancellation and reversal (buffer first, then the named holder)
    credits.cancel(supplier, batch_id, 10, h("issued in error"), {"from": regulator})
    rev = credits.reverse(batch_id, 150, enterprise, h("reversal"), {"from": regulator})
    assert event(rev, "Reversed")["fromBuffer"] == 124 and event(rev, "Reversed")["fromHolder"] == 26

    # seller withdraws proceeds, treasury its fees; the listing is cancelled and returns the rest
    market.withdraw({"from": developer})
    market.withdraw({"from": treasury})
    assert settlement_token.balanceOf(treasury) == 50 * UNIT
    market.cancelListing(listing_id, {"from": developer})
    s = supply(credits, batch_id)
    assert s == {"issued": 1234, "circulating": 1234 - 100 - 160, "escrowed": 0, "retired": 100,
                 "cancelled": 160, "buffered": 0}
    holders = [developer, supplier, enterprise, market]
    assert sum(credits.balanceOf(a, batch_id) for a in holders) == s["circulating"]


def test_gec_project_issues_one_unit_per_mwh(gec_project, issue, credits, developer):
    batch_id = issue(gec_project, tonnes=0, wh=12_345 * MWH + 999_999)
    s = supply(credits, batch_id)
    assert s["issued"] == 12_345 and s["buffered"] == 1_235  # 10 % rounded toward the buffer
    assert credits.balanceOf(developer, batch_id) == 11_110
    assert credits.carriedRemainder(gec_project) == 999_999  # Wh, for the project's next report


def test_issuer_role_may_issue_for_the_developer(project, issue, credits, developer, issuer):
    batch_id = issue(project, tonnes=10, sender=issuer)
    assert credits.balanceOf(developer, batch_id) == 9


def test_serials_and_vintages_follow_on(project, gec_project, issue, credits):
    b1 = issue(project, tonnes=10)
    b2 = issue(gec_project, tonnes=0, wh=5 * MWH)
    b3 = issue(project, tonnes=7)
    ranges = [tuple(credits.batch(b)[3:5]) for b in (b1, b2, b3)]
    assert ranges == [(1, 10), (11, 15), (16, 22)]
    assert credits.nextSerial() == 23
    assert credits.batch(b3)[1] == credits.batch(b1)[2]  # the next vintage starts where the last ended
