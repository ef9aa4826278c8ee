"""The Verilog object model prints what it holds: instances with named ports and
parameters, open ports, and instances under a lint waiver; a design of several modules in
one file, each once, a module before those that instance it, lint-clean under Verilator."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiln.backend.verilog_ast import (
    AlwaysFF,
    Assign,
    Binary,
    Const,
    Decl,
    Instance,
    LintOff,
    Module,
    NonBlocking,
    Port,
    Ref,
    design_files,
    design_order,
    render_design,
    render_module,
)
from kiln.base.errors import BackendError
from kiln.hw_tests.lint import lint_verilog


def test_an_instance_prints_its_named_ports_in_order():
    m = Module("top", [Port("input", "a", 8), Port("output", "y", 8)])
    m.items.append(Decl("wire", "idle_k", 1))
    inst = Instance("k", "u_k", (("x", Binary("+", Ref("a"), Const(8, 1))), ("y", Ref("y"))))
    m.items.append(LintOff("UNUSEDSIGNAL", "the kernel's idle is not read", (inst,)))
    m.items.append(
        Instance("fifo", "u_f", (("d", Ref("a")), ("q", None)), (("DEPTH", Const(4, 8)),))
    )
    assert render_module(m) == (
        "`timescale 1ns/1ps\n"
        "module top (\n"
        "  input wire [7:0] a,\n"
        "  output wire [7:0] y\n"
        ");\n"
        "  wire [0:0] idle_k;\n"
        "  // the kernel's idle is not read\n"
        "  /* verilator lint_off UNUSEDSIGNAL */\n"
        "  k u_k (\n"
        "    .x((a + 8'h1)),\n"
        "    .y(y)\n"
        "  );\n"
        "  /* verilator lint_on UNUSEDSIGNAL */\n"
        "  fifo #(.DEPTH(4'h8)) u_f (\n"
        "    .d(a),\n"
        "    .q()\n"
        "  );\n"
        "endmodule\n"
    )


def incrementer() -> Module:
    """A registered `y = a + 1`, the leaf of the designs below."""
    m = Module("inc", [Port("input", "clk", 1), Port("input", "a", 8), Port("output", "y", 8)])
    m.header = ["a leaf"]
    m.items = [
        Decl("reg", "r", 8),
        AlwaysFF("clk", (NonBlocking("r", Binary("+", Ref("a"), Const(8, 1))),)),
        Assign("y", Ref("r")),
    ]
    return m


def two_in_a_row() -> Module:
    """`inc` twice, the first one's output feeding the second."""
    m = Module("top", [Port("input", "clk", 1), Port("input", "a", 8), Port("output", "y", 8)])
    m.items = [
        Decl("wire", "mid", 8),
        Instance("inc", "u0", (("clk", Ref("clk")), ("a", Ref("a")), ("y", Ref("mid")))),
        Instance("inc", "u1", (("clk", Ref("clk")), ("a", Ref("mid")), ("y", Ref("y")))),
    ]
    return m


def test_a_design_prints_the_timescale_once_and_each_module_before_its_users():
    assert render_design([two_in_a_row(), incrementer()]) == (
        "`timescale 1ns/1ps\n"
        "// the modules of a design share this file, so not every file name is a module name\n"
        "/* verilator lint_off DECLFILENAME */\n"
        "// a leaf\n"
        "module inc (\n"
        "  input wire clk,\n"
        "  input wire [7:0] a,\n"
        "  output wire [7:0] y\n"
        ");\n"
        "  reg [7:0] r;\n"
        "  always @(posedge clk) begin\n"
        "    r <= (a + 8'h1);\n"
        "  end\n"
        "  assign y = r;\n"
        "endmodule\n"
        "\n"
        "module top (\n"
        "  input wire clk,\n"
        "  input wire [7:0] a,\n"
        "  output wire [7:0] y\n"
        ");\n"
        "  wire [7:0] mid;\n"
        "  inc u0 (\n"
        "    .clk(clk),\n"
        "    .a(a),\n"
        "    .y(mid)\n"
        "  );\n"
        "  inc u1 (\n"
        "    .clk(clk),\n"
        "    .a(mid),\n"
        "    .y(y)\n"
        "  );\n"
        "endmodule\n"
    )


def test_one_module_prints_as_render_module_prints_it():
    assert render_design([incrementer()]) == render_module(incrementer())


def test_design_order_puts_leaves_first_and_keeps_the_given_order_otherwise():
    def user(name: str, *used: str) -> Module:
        insts = tuple(Instance(u, f"u_{u}", ()) for u in used)
        return Module(name, items=[LintOff("PINMISSING", "none", insts)])

    modules = [user("top", "b", "a"), user("c"), user("a"), user("b", "a")]
    assert [m.name for m in design_order(modules)] == ["a", "b", "top", "c"]


def test_a_module_given_twice_is_refused():
    with pytest.raises(BackendError, match="module inc is given twice; a design holds each once"):
        render_design([incrementer(), two_in_a_row(), incrementer()])


def test_an_instance_of_a_module_the_design_lacks_is_refused_unless_external():
    with pytest.raises(
        BackendError,
        match="module top: instance u0 is of module inc, which the design does not hold",
    ):
        render_design([two_in_a_row()])
    text = render_design([two_in_a_row()], external=["inc"])
    assert "module inc" not in text and "inc u1 (" in text


def test_a_module_that_instances_itself_is_refused():
    a = Module("a", items=[Instance("b", "u_b", ())])
    b = Module("b", items=[Instance("a", "u_a", ())])
    with pytest.raises(BackendError, match="module a instances itself: a -> b -> a"):
        design_order([a, b])


def test_design_files_hold_one_module_each_leaves_first():
    files = design_files([two_in_a_row(), incrementer()])
    assert list(files) == ["inc", "top"]
    assert files["inc"] == render_module(incrementer())


@pytest.mark.verilator
def test_a_two_module_design_lints_clean_in_one_file_and_in_one_file_each(tmp_path: Path):
    design = [two_in_a_row(), incrementer()]
    one = tmp_path / "design.v"
    one.write_text(render_design(design))
    assert lint_verilog(one, "top", tmp_path).warnings == []
    paths = []
    for name, text in design_files(design).items():
        paths.append(tmp_path / f"{name}.v")
        paths[-1].write_text(text)
    assert lint_verilog(paths, "top", tmp_path).warnings == []
