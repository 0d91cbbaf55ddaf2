"""Gate counts ([Kim-fixedpoint] table) and the LLaMA-3 unit inventory."""

import pytest

from accelmodel.errors import SpecError
from accelmodel.numerics import (
    GateCount, gate_breakdown, gate_counts, load_gate_table, load_precision_plan, load_unit_inventory,
    total_gates, uniform_plan,
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
