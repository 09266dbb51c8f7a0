"""Readers shared by the voucher tests: plain-value snapshots of nodes and roots."""

from tests.support.chain import mined_now as now, past  # the voucher tests' clock, re-exported

ACTIVE, PENDING, OFFERED, SPLIT, REDEEMED = 1, 2, 3, 4, 5
DAY = 24 * 3600


def node(voucher, voucher_id):
    v = voucher.voucher(voucher_id)
    return {
        "holder": str(v[0]), "amount": int(v[1]), "state": int(v[2]), "depth": int(v[3]), "parent": int(v[4]),
        "root": int(v[5]), "deadline": int(v[6]), "pending_from": str(v[7]), "claimed": int(v[8]),
        "obligor": str(v[9]), "maturity": int(v[10]), "project": int(v[11]),
    }


def root(voucher, root_id):
    r = voucher.rootInfo(root_id)
    return {"obligor": str(r[0]), "maturity": int(r[1]), "frozen": r[2], "overdue": r[3], "face": int(r[4]),
            "deposited": int(r[5]), "paid": int(r[6]), "project": int(r[7])}


def state_of(voucher, token, ids, accounts):
    """Everything a refused call must leave unchanged."""
    roots = {int(i) & (2**64 - 1) for i in ids}
    return (
        {i: node(voucher, i) for i in ids},
        {r: root(voucher, r) for r in roots},
        {str(a): int(token.balanceOf(a)) for a in [*accounts, voucher]},
        {i: tuple(voucher.financing(i)) for i in ids},
    )
