"""The C frontend: C99 HLS kernels to kernel IR, and the gcc golden model that checks them."""

from kiln.frontend.c.lower import CKernel, Port, lower
from kiln.frontend.c.parse import CSource, parse_c


def translate(path, top: str, include_dirs=(), defines=()) -> CKernel:
    """Parse the C file at `path` and lower function `top` to a verified kernel."""
    return lower(parse_c(path, include_dirs, defines), top)


__all__ = ["CKernel", "CSource", "Port", "lower", "parse_c", "translate"]
