"""C type syntax (pycparser type nodes, typedefs, struct and enum declarations) to `CType`s."""

from __future__ import annotations

from pycparser import c_ast

from kiln.base.errors import CFrontendError
from kiln.frontend.c.c_types import INT as C_INT
from kiln.frontend.c.c_types import UINT, CArray, CPointer, CStruct, CType, from_specifiers
from kiln.frontend.c.consteval import const_eval
from kiln.frontend.c.parse import loc_of


class TypeResolver:
    """Knows the file's typedefs, structs and enums; resolves type nodes to `CType`s."""

    def __init__(self, ast: c_ast.FileAST, const_lookup):
        self.const_lookup = const_lookup
        self.typedef_nodes: dict[str, c_ast.Typedef] = {}
        self.typedefs: dict[str, CType] = {}
        self.structs: dict[str, CStruct] = {}
        self.enum_constants: dict[str, int] = {}
        self._anon = 0
        for ext in ast.ext:
            if isinstance(ext, c_ast.Typedef):
                self.add_typedef(ext)
            elif isinstance(ext, c_ast.Decl):
                self.declare_tags(ext)

    def add_typedef(self, node: c_ast.Typedef) -> None:
        self.typedef_nodes[node.name] = node
        self.typedefs.pop(node.name, None)
        self._tags_in(node.type)

    def declare_tags(self, decl: c_ast.Decl) -> None:
        """Record struct and enum definitions made by a declaration."""
        self._tags_in(decl.type)

    def _tags_in(self, node) -> None:
        while isinstance(node, c_ast.TypeDecl | c_ast.ArrayDecl | c_ast.PtrDecl):
            node = node.type
        if isinstance(node, c_ast.Struct) and node.decls is not None:
            self._struct(node)
        elif isinstance(node, c_ast.Enum) and node.values is not None:
            self._enum(node)
        elif isinstance(node, c_ast.Union):
            pass  # an error only if a kernel uses it

    def resolve(self, node, where) -> CType:
        if isinstance(node, c_ast.Typename):
            return self.resolve(node.type, where)
        if isinstance(node, c_ast.TypeDecl):
            return self._base(node.type, where)
        if isinstance(node, c_ast.ArrayDecl):
            elem = self.resolve(node.type, where)
            dim = 0
            if node.dim is not None:
                v = const_eval(node.dim, self.const_lookup)
                if v is None:
                    raise CFrontendError(
                        "array size is not a constant (variable-length arrays are outside "
                        "the subset)",
                        loc_of(node.dim) or loc_of(where),
                        "size arrays with a number or a #define",
                    )
                if v[0] < 1:
                    raise CFrontendError(f"array size {v[0]} must be positive", loc_of(node.dim))
                dim = v[0]
            if isinstance(elem, CArray):
                return CArray(elem.elem, (dim, *elem.dims))
            return CArray(elem, (dim,))
        if isinstance(node, c_ast.PtrDecl):
            if isinstance(node.type, c_ast.FuncDecl):
                raise CFrontendError(
                    "function pointers are outside the subset",
                    loc_of(node) or loc_of(where),
                    "call functions directly",
                )
            target = self.resolve(node.type, where)
            if isinstance(target, CPointer):
                raise CFrontendError(
                    "pointers to pointers are outside the subset",
                    loc_of(node) or loc_of(where),
                    "use a 2-D array",
                )
            return CPointer(target)
        if isinstance(node, c_ast.FuncDecl):
            raise CFrontendError("a function type where a value type is needed", loc_of(where))
        raise CFrontendError(f"unsupported type syntax {type(node).__name__}", loc_of(where))

    def _base(self, node, where) -> CType:
        if isinstance(node, c_ast.IdentifierType):
            names = node.names
            if len(names) == 1 and names[0] in self.typedef_nodes:
                name = names[0]
                if name not in self.typedefs:
                    self.typedefs[name] = self.resolve(self.typedef_nodes[name].type, where)
                return self.typedefs[name]
            t = from_specifiers(list(names))
            if t is None:
                raise CFrontendError(
                    f"type '{' '.join(names)}' is outside the subset",
                    loc_of(node) or loc_of(where),
                    "use the integer types of stdint.h, float or double",
                )
            return t
        if isinstance(node, c_ast.Struct):
            if node.decls is not None:
                return self._struct(node)
            if node.name in self.structs:
                return self.structs[node.name]
            return CStruct(node.name or "?", None)
        if isinstance(node, c_ast.Enum):
            if node.values is not None:
                return self._enum(node)
            return UINT
        if isinstance(node, c_ast.Union):
            raise CFrontendError(
                "unions are outside the subset",
                loc_of(node) or loc_of(where),
                "use separate variables, or shifts and masks to split words",
            )
        raise CFrontendError(f"unsupported type {type(node).__name__}", loc_of(where))

    def _struct(self, node: c_ast.Struct) -> CStruct:
        name = node.name
        if name is None:
            self._anon += 1
            name = f"anonymous{self._anon}"
            key = id(node)
            cached = self.structs.get(f"#{key}")
            if cached is not None:
                return cached
        fields = []
        for d in node.decls or []:
            if d.bitsize is not None:
                raise CFrontendError(
                    f"bit-field '{d.name}' is outside the subset",
                    loc_of(d),
                    "use a whole integer field and masks",
                )
            fields.append((d.name, self.resolve(d.type, d)))
        st = CStruct(name, tuple(fields))
        self.structs[node.name if node.name else f"#{id(node)}"] = st
        return st

    def _enum(self, node: c_ast.Enum):
        value = -1
        values = []
        for e in node.values.enumerators:
            if e.value is not None:
                v = const_eval(e.value, self._lookup_with_enums)
                if v is None:
                    raise CFrontendError(f"enum value of {e.name} is not a constant", loc_of(e))
                value = v[0]
            else:
                value += 1
            self.enum_constants[e.name] = value
            values.append(value)
        # gcc gives an enum with no negative values the type unsigned int.
        return C_INT if any(v < 0 for v in values) else UINT

    def _lookup_with_enums(self, name: str):
        if name in self.enum_constants:
            return self.enum_constants[name], C_INT
        return self.const_lookup(name)

    @staticmethod
    def is_const(node) -> bool:
        while isinstance(node, c_ast.ArrayDecl):
            node = node.type
        return isinstance(node, c_ast.TypeDecl) and "const" in (node.quals or [])
