"""Legal, unique Verilog identifiers for IR names."""

from __future__ import annotations

import re

VERILOG_KEYWORDS = frozenset(
    """always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config
    deassign default defparam design disable edge else end endcase endconfig endfunction
    endgenerate endmodule endprimitive endspecify endtable endtask event for force forever
    fork function generate genvar highz0 highz1 if ifnone incdir include initial inout input
    instance integer join large liblist library localparam macromodule medium module nand
    negedge nmos nor noshowcancelled not notif0 notif1 or output parameter pmos posedge
    primitive pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent rcmos real
    realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared
    showcancelled signed small specify specparam strong0 strong1 supply0 supply1 table task
    time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire vectored
    wait wand weak0 weak1 while wire wor xnor xor bit byte logic int shortint longint
    alias always_comb always_ff always_latch assert assume before bind bins binsof break
    chandle checker class clocking const constraint context continue cover covergroup
    coverpoint cross dist do endclass endclocking endgroup endinterface endpackage
    endprogram endproperty endsequence enum expect export extends extern final first_match
    foreach forkjoin iff ignore_bins illegal_bins import inside interface intersect join_any
    join_none local matches modport new null package packed priority program property
    protected pure rand randc randcase randsequence ref restrict return sequence shortreal
    solve static string struct super tagged this throughout timeprecision timeunit type
    typedef union unique unique0 var virtual void wait_order wildcard with within
    """.split()  # noqa: SIM905  (a word list reads better than 130 quoted strings)
)


class Namer:
    """Hands out identifiers: legal (letters, digits, _), not keywords, never twice."""

    def __init__(self, reserved: tuple[str, ...] = ()):
        self.taken: set[str] = set(reserved)

    def fresh(self, hint: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", hint) or "v"
        if base[0].isdigit():
            base = "v" + base
        if base in VERILOG_KEYWORDS:
            base += "_"
        name, n = base, 1
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name
