"""Whole-design synthesis for sign-off: when ABC's full script runs too long, the design is
mapped again without ABC's SAT sweeping and still timed, and the report says which mapping
it got.
Needs Yosys and OpenSTA (apt-get install -y yosys opensta)."""

from __future__ import annotations

import pytest

from kiln.feedback import synthesis

pytestmark = [pytest.mark.yosys]

MAC = """\
module mac(input wire clk, input wire [15:0] a, input wire [15:0] b, output reg [31:0] y);
  reg [15:0] ra, rb;
  always @(posedge clk) begin
    ra <= a;
    rb <= b;
    y <= y + ra * rb;
  end
endmodule
"""


def test_a_slow_full_mapping_falls_back_to_no_sweeping(tmp_path, monkeypatch):
    src = tmp_path / "mac.v"
    src.write_text(MAC)
    full = synthesis.synthesize(src, "mac", tmp_path / "full", 5000.0)
    assert not full.abc_no_sweep and full.register_bits == 64
    monkeypatch.setattr(synthesis, "FULL_ABC_S", 0.01)  # no full run finishes this fast
    fast = synthesis.synthesize(src, "mac", tmp_path / "fast", 5000.0)
    assert fast.abc_no_sweep and fast.register_bits == 64
    assert fast.slack_ps is not None and fast.critical_path_ps > 0
    script = (tmp_path / "fast" / "yosys.ys").read_text()
    assert f'abc -script "{synthesis.NO_SWEEP_SCRIPT}" -D 5000' in script and "fraig" not in script
