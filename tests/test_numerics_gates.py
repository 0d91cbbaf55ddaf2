"""Gate counts ([Kim-fixedpoint] table) and the LLaMA-3 unit inventory."""

import pytest

from accelmodel.errors import SpecError
from accelmodel.numerics import (
    GateCount,
    gate_breakdown,
    gate_counts,
    load_gate_table,
    load_precision_plan,
    load_unit_inventory,
    total_gates,
    uniform_plan,
)

TABLE = {  # [Kim-fixedpoint], AND / OR / XOR
    ("adder", 16): (156, 40, 32), ("adder", 24): (234, 60, 48), ("adder", 32): (312, 80, 64),
    ("multiplier", 16): (1010, 265, 763), ("multiplier", 24): (2282, 589, 1719),
    ("multiplier", 32): (4066, 1041, 3059),
}


def test_table_shipped_and_reproduced():
    assert {k: tuple(v) for k, v in load_gate_table().items()} == TABLE
    for (kind, bits), counts in TABLE.items():
        assert tuple(gate_counts(kind, bits)) == counts


def test_fit_between_and_beyond_table():
    # adders: exactly linear (AND 9.75 b, OR 2.5 b, XOR 2 b)
    assert tuple(gate_counts("adder", 8)) == (78, 20, 16)
    assert tuple(gate_counts("adder", 20)) == (195, 50, 40)
    # multipliers: quadratic through the three points (AND 4b^2 - b + 2, OR b^2 + b/2 + 1, XOR 3b^2 - b/2 + 3)
    assert tuple(gate_counts("multiplier", 20)) == (4 * 400 - 20 + 2, 400 + 10 + 1, 1200 - 10 + 3)
    assert tuple(gate_counts("multiplier", 8)) == (4 * 64 - 8 + 2, 64 + 4 + 1, 192 - 4 + 3)
    with pytest.raises(SpecError):
        gate_counts("divider", 16)


def test_inventory_18_adders_22_multipliers():
    inv = load_unit_inventory()
    assert sum(u.kind == "adder" for u in inv) == 18
    assert sum(u.kind == "multiplier" for u in inv) == 22
    groups = {u.group for u in inv}
    assert groups == {"attention RMSNorm", "Q", "K", "V", "Q/K RoPE", "score", "softmax", "SV", "attention out",
                      "skip 1", "FFN RMSNorm", "X1", "X3", "SiLU-mul", "X2", "skip 2", "final RMSNorm", "LM head"}
    plan = load_precision_plan()
    assert all(n in plan.formats for u in inv for n in u.nodes)


def test_uniform_totals_equal_hand_sums():
    # 16-bit: 18 adders x (156+40+32) + 22 multipliers x (1010+265+763)
    assert total_gates(16).total == 18 * (156 + 40 + 32) + 22 * (1010 + 265 + 763) == 48940
    assert total_gates(16) == GateCount(18 * 156 + 22 * 1010, 18 * 40 + 22 * 265, 18 * 32 + 22 * 763)
    # 32-bit: 18 x (312+80+64) + 22 x (4066+1041+3059)
    assert total_gates(32).total == 18 * (312 + 80 + 64) + 22 * (4066 + 1041 + 3059) == 187860
    # the uniform <16, 9> plan is 16 bits everywhere
    assert total_gates(uniform_plan(16, 9)) == total_gates(16)


def test_mixed_precision_total():
    plan = load_precision_plan()
    rows = {r["unit"]: r for r in gate_breakdown(plan)}
    assert rows["lm_mul"]["bits"] == 6 + 0 + 1           # linear <6, 0> + sign
    assert rows["skip1_add"]["bits"] == 8 + 15 + 1       # skip connection
    assert rows["rope_bc"]["bits"] == max(4 + 7, 4 + 14) + 1   # shared Q/K unit: wider of query/key imag bc
    assert total_gates(plan).total == sum(r["total"] for r in rows.values())
    assert total_gates(16).total < total_gates(plan).total < total_gates(32).total


# --- library-width rounding (the source's method) --------------------------------------------------------------

def _published_shares() -> dict[tuple[str, str], tuple[float, float]]:
    import csv

    from accelmodel.numerics._data import data_file
    with open(data_file("llama3_gate_shares_published.csv"), newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return {(r["plan"], r["gate"]): (float(r["published_percent"]), float(r["tolerance_points"])) for r in rows}


def test_library_width_rounds_up_to_16_24_32():
    from accelmodel.numerics import library_bits
    assert [library_bits("adder", b) for b in (1, 16, 17, 24, 25, 32)] == [16, 16, 24, 24, 32, 32]
    assert tuple(gate_counts("multiplier", 19, method="library")) == TABLE[("multiplier", 24)]
    assert tuple(gate_counts("adder", 7, method="library")) == TABLE[("adder", 16)]
    with pytest.raises(SpecError, match="exceeds the widest library adder"):
        gate_counts("adder", 33, method="library")
    with pytest.raises(SpecError, match="method must be one of"):
        gate_counts("adder", 16, method="nearest")


def test_uniform_16_share_matches_published():
    from accelmodel.numerics import gate_share
    published = _published_shares()
    for method in ("interpolate", "library"):   # 16 bits is a table width: both methods agree
        shares = gate_share(16, method=method)
        for gate, share in zip(("and", "or", "xor"), shares):
            value, tol = published[("uniform_16", gate)]
            assert abs(100 * share - value) <= tol, (method, gate, share)


def test_per_node_library_share_equals_hand_count():
    """Per-node plan, library widths. Hand count from data/llama3_arith_units.csv + llama3_8b_precision.csv:
    multipliers: 12 need 17..24 bits -> 24-bit, 10 need <= 16 -> 16-bit; adders: 9 -> 24-bit, 9 -> 16-bit.
    Published (Table 6): 51 / 52 / 51 %; this inventory gives 43.1 / 43.6 / 42.3 %
    (data/README.md, 'Library widths', says why the gap)."""
    from accelmodel.numerics import gate_share
    plan = load_precision_plan()
    rows = gate_breakdown(plan, method="library")
    built = [(r["kind"], r["built_bits"]) for r in rows]
    assert built.count(("multiplier", 24)) == 12 and built.count(("multiplier", 16)) == 10
    assert built.count(("adder", 24)) == 9 and built.count(("adder", 16)) == 9
    hand = [12 * m24 + 10 * m16 + 9 * a24 + 9 * a16 for m16, m24, a16, a24 in zip(
        TABLE[("multiplier", 16)], TABLE[("multiplier", 24)], TABLE[("adder", 16)], TABLE[("adder", 24)])]
    ref = [22 * m + 18 * a for m, a in zip(TABLE[("multiplier", 32)], TABLE[("adder", 32)])]
    assert tuple(total_gates(plan, method="library")) == tuple(hand)
    assert gate_share(plan, method="library") == pytest.approx([h / r for h, r in zip(hand, ref)], rel=1e-12)
    # the library count is never below the interpolated one (rounding widths up only adds gates)
    assert all(lib >= fit for lib, fit in zip(total_gates(plan, method="library"), total_gates(plan)))


def test_read_write_sizing_equals_hand_count():
    """Per-node plan, library widths, a unit as wide as the widest node it reads or writes
    (data/llama3_arith_units.csv `reads`). By hand: the Q, K, V, X1 and LM-head MACs read the
    18-bit `normalization` output (8 + 9 + 1) -> 24-bit multipliers and adders; RoPE's imaginary
    adder reads `key_imag_bc` (4 + 14 + 1 = 19) -> 24 bits. So 12 + 5 = 17 multipliers and
    9 + 6 = 15 adders at 24 bits, 5 + 3 at 16: AND 47,822 of 95,068 = 50.3 % (published 51 %)."""
    from accelmodel.numerics import gate_share
    from accelmodel.numerics.gates import unit_bits
    plan = load_precision_plan()
    units = {u.unit: u for u in load_unit_inventory()}
    assert (unit_bits(units["q_mul"], plan), unit_bits(units["q_mul"], plan, "read_write")) == (14, 18)
    assert (unit_bits(units["rope_imag"], plan), unit_bits(units["rope_imag"], plan, "read_write")) == (15, 19)
    assert unit_bits(units["q_mul"], 16, "read_write") == 16           # a uniform plan ignores sizing
    built = [(r["kind"], r["built_bits"]) for r in gate_breakdown(plan, method="library", sizing="read_write")]
    assert built.count(("multiplier", 24)) == 17 and built.count(("multiplier", 16)) == 5
    assert built.count(("adder", 24)) == 15 and built.count(("adder", 16)) == 3
    hand = [17 * m24 + 5 * m16 + 15 * a24 + 3 * a16 for m16, m24, a16, a24 in zip(
        TABLE[("multiplier", 16)], TABLE[("multiplier", 24)], TABLE[("adder", 16)], TABLE[("adder", 24)])]
    assert hand[0] == 47822
    assert tuple(total_gates(plan, method="library", sizing="read_write")) == tuple(hand)
    ref = [22 * m + 18 * a for m, a in zip(TABLE[("multiplier", 32)], TABLE[("adder", 32)])]
    shares = gate_share(plan, method="library", sizing="read_write")
    assert shares == pytest.approx([h / r for h, r in zip(hand, ref)], rel=1e-12)
    published = _published_shares()
    for gate, share in zip(("and", "or", "xor"), shares):
        value, tol = published[("per_node", gate)]
        assert abs(100 * share - value) <= tol, (gate, share)        # within 2 points of Table 6
    # reading more nodes can only widen a unit
    assert all(rw >= out for rw, out in zip(total_gates(plan, sizing="read_write"), total_gates(plan)))


def test_unknown_sizing_is_one_line_error():
    from accelmodel.numerics.gates import unit_bits
    with pytest.raises(SpecError, match="sizing must be one of output, read_write"):
        unit_bits(load_unit_inventory()[0], load_precision_plan(), "input")
