"""kiln's IR: types, the kernel IR with its text form, verifier and interpreter, and the
graph IR for tensor ops."""

from kiln.ir.builder import KernelBuilder
from kiln.ir.graph import Graph, Node, QuantFormat, TensorType, TensorValue, verify_graph
from kiln.ir.graph_text import parse_graph, print_graph
from kiln.ir.interpreter import interpret
from kiln.ir.kernel import (
    Block,
    Direction,
    ForLoop,
    IfElse,
    Kernel,
    LoopDirectives,
    Module,
    Op,
    Param,
    Partition,
    Storage,
    StorageKind,
    Value,
    WhileLoop,
)
from kiln.ir.parser import parse, parse_kernel
from kiln.ir.printer import print_ir
from kiln.ir.types import (
    BOOL,
    F32,
    F64,
    ArrayType,
    FixedType,
    FloatType,
    IntType,
    Overflow,
    Rounding,
    ScalarType,
    fixed,
    from_real,
    i,
    u,
)
from kiln.ir.verifier import verify

__all__ = [
    "Graph",
    "QuantFormat",
    "parse_graph",
    "Node",
    "TensorType",
    "TensorValue",
    "print_graph",
    "verify_graph",
    "BOOL",
    "ArrayType",
    "Block",
    "Direction",
    "FixedType",
    "FloatType",
    "F32",
    "F64",
    "ForLoop",
    "IfElse",
    "IntType",
    "Kernel",
    "KernelBuilder",
    "LoopDirectives",
    "Module",
    "Op",
    "Overflow",
    "Param",
    "Partition",
    "Rounding",
    "ScalarType",
    "Storage",
    "StorageKind",
    "Value",
    "WhileLoop",
    "fixed",
    "from_real",
    "i",
    "interpret",
    "parse",
    "parse_kernel",
    "print_ir",
    "u",
    "verify",
]
