"""narrow-mul: a wrapping integer mul of widened values multiplies the narrow values, with
the same result; extensions that would change the product's bits are left alone."""

from __future__ import annotations

import itertools

from kiln.ir import interpret, parse_kernel, print_ir
from kiln.ir.passes.narrow_mul import narrow_multiplies

KERNEL = """kernel @k(in %a: i8, in %b: u8, out @p: i16, out @q: i16, out @r: i32, out @s: u16) {
  %wa = sext %a : i16
  %wb = cast %b : i16
  %p = mul %wa, %wb : i16
  write @p, %p
  %za = zext %a : i16
  %q = mul %za, %wb : i16
  write @q, %q
  %wr = cast %b : i16
  %r = mul %wa, %wr : i32
  write @r, %r
  %sb = sext %b : u16
  %s = mul %sb, %sb : u16
  write @s, %s
}
"""


def test_only_value_keeping_extensions_at_least_as_wide_as_the_product_are_dropped():
    k = parse_kernel(KERNEL)
    assert narrow_multiplies(k)
    text = print_ir(k)
    assert "%p = mul %a, %b : i16" in text  # sign- and value-keeping widenings
    assert "%q = mul %za, %b : i16" in text  # zext of a signed value changes it: kept
    assert "%r = mul %wa, %wr : i32" in text  # i16 extensions under an i32 product: kept
    assert "%s = mul %sb, %sb : u16" in text  # sext of an unsigned value: kept
    assert not narrow_multiplies(k)  # and nothing is left to do


def test_the_products_are_unchanged_on_every_corner():
    before, after = parse_kernel(KERNEL), parse_kernel(KERNEL)
    narrow_multiplies(after)
    corners = (-128, -127, -1, 0, 1, 77, 127)
    for a, b in itertools.product(corners, (0, 1, 128, 200, 255)):
        ins = {"a": a, "b": b}
        assert interpret(before, ins) == interpret(after, ins), ins
