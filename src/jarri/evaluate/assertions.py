"""Hidden code tests, checked in the evaluator's own process against values the sandbox returned.

A hidden test is a few lines of Python that call the answer's functions as ``solution.NAME(...)``
with literal arguments and assert on the results, e.g.::

    r = solution.word_count('a b')
    assert type(r) is int and r == 2

The test itself never runs inside the sandbox (it would show the candidate the expected
values) and never runs as real Python here either (a hostile experiment folder's "test" would
then be code run on the user's machine). Instead :func:`parse` reads it with ``ast`` and accepts
only a small, side-effect-free subset; :func:`calls` lists the ``solution`` calls the sandbox
must make; :func:`check` interprets the test over the values that came back. The subset:

- statements: ``name = expr`` (or a tuple of names), ``assert expr[, message]``, a bare
  ``expr`` (a call that must not raise);
- expressions: literals, names assigned before, tuple/list/set/dict displays, comparisons
  (``== != < <= > >= is is not in not in``), ``and``/``or``/``not``, arithmetic, ``x if c else
  y``, subscripts and slices, comprehensions and generator expressions;
- calls: ``solution.NAME(literal, ..., key=literal)`` and the built-ins in :data:`BUILTINS`
  called by name; no attribute access, no other calls, no lambdas.

Every step is counted and sizes are bounded, so a test cannot hang or exhaust the evaluator.
"""

from __future__ import annotations

import ast
import json
import operator
from dataclasses import dataclass
from typing import Any

from jarri.evaluate.values import Opaque, decode, encode

MAX_STEPS = 1_000_000
MAX_ITEMS = 1_000_000
MAX_BITS = 100_000


class TestSyntaxError(ValueError):
    """The hidden test uses Python outside the supported subset."""


class TestFailed(Exception):
    """The hidden test did not pass; the message says why."""


def _range(*args: Any) -> range:
    r = range(*args)
    if len(r) > MAX_ITEMS:
        raise TestFailed(f"range of {len(r)} items is larger than {MAX_ITEMS}")
    return r


def _type(*args: Any) -> type:
    if len(args) != 1:
        raise TestFailed("type() takes one argument in a hidden test")
    return type(args[0])


BUILTINS: dict[str, Any] = {
    "type": _type, "abs": abs, "len": len, "all": all, "any": any, "zip": zip,
    "isinstance": isinstance, "sorted": sorted, "set": set, "frozenset": frozenset,
    "list": list, "tuple": tuple, "dict": dict, "str": str, "int": int, "float": float,
    "bool": bool, "complex": complex, "bytes": bytes, "round": round, "min": min, "max": max,
    "sum": sum, "range": _range, "enumerate": enumerate, "reversed": reversed,
    "repr": repr, "divmod": divmod, "NoneType": type(None),
}
_CLASSES = {n for n, v in BUILTINS.items() if isinstance(v, type)}

_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
        ast.Pow: operator.pow, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
        ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
          ast.Invert: operator.invert}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
        ast.IsNot: operator.is_not, ast.In: lambda a, b: a in b,
        ast.NotIn: lambda a, b: a not in b}


@dataclass(frozen=True)
class Call:
    """One call the sandbox makes: ``solution.function(*args, **kwargs)``."""

    function: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]

    @property
    def key(self) -> str:
        return json.dumps([self.function, [encode(a) for a in self.args],
                           [[k, encode(v)] for k, v in self.kwargs]], sort_keys=True)

    def wire(self) -> list[Any]:
        return [self.function, [encode(a) for a in self.args],
                [[k, encode(v)] for k, v in self.kwargs]]

    def __str__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        text = f"solution.{self.function}({', '.join(parts)})"
        return text if len(text) <= 120 else text[:117] + "..."


@dataclass(frozen=True)
class Outcome:
    """What one call did in the sandbox: returned ``value`` or raised ``error``."""

    value: Any = None
    error: str | None = None


def _solution_call(node: ast.AST) -> Call | None:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "solution"):
        return None
    try:
        args = tuple(ast.literal_eval(a) for a in node.args if not isinstance(a, ast.Starred))
        kwargs = tuple((k.arg, ast.literal_eval(k.value)) for k in node.keywords
                       if k.arg is not None)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise TestSyntaxError(f"the arguments of solution.{node.func.attr}(...) must be "
                              f"literals (numbers, text, lists, dicts, ...): {exc}") from exc
    if len(args) != len(node.args) or len(kwargs) != len(node.keywords):
        raise TestSyntaxError(f"solution.{node.func.attr}(...) cannot take *args or **kwargs")
    call = Call(node.func.attr, args, kwargs)
    try:
        call.key  # noqa: B018 - the arguments must cross into the sandbox
    except (ValueError, TypeError) as exc:
        raise TestSyntaxError(f"{call}: its arguments cannot be passed: {exc}") from exc
    return call


_ALLOWED = (ast.Module, ast.Assign, ast.Assert, ast.Expr, ast.Constant, ast.Name, ast.Load,
            ast.Store, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Compare, ast.BoolOp,
            ast.And, ast.Or, ast.UnaryOp, ast.BinOp, ast.IfExp, ast.Subscript, ast.Slice,
            ast.Call, ast.Attribute, ast.GeneratorExp, ast.ListComp, ast.SetComp,
            ast.DictComp, ast.comprehension, ast.keyword, *(_BIN), *(_UNARY), *(_CMP))


def parse(name: str, source: str) -> ast.Module:
    """The test as a syntax tree of the supported subset; TestSyntaxError names what is not."""
    try:
        tree = ast.parse(source, filename=name)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise TestSyntaxError(f"not valid Python: {exc}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise TestSyntaxError(f"line {getattr(node, 'lineno', '?')}: "
                                  f"{type(node).__name__} is not supported in a hidden test")
        if isinstance(node, ast.Attribute) and not _is_call_target(tree, node):
            raise TestSyntaxError(f"line {node.lineno}: attribute access is not supported "
                                  "(only solution.NAME(...) calls)")
        if isinstance(node, ast.Call) and _solution_call(node) is None and not (
                isinstance(node.func, ast.Name) and node.func.id in BUILTINS
                and not any(isinstance(a, ast.Starred) for a in node.args)
                and all(k.arg is not None for k in node.keywords)):
            raise TestSyntaxError(f"line {node.lineno}: only solution.NAME(...) and the "
                                  f"built-ins {', '.join(sorted(BUILTINS))} can be called")
        if isinstance(node, ast.Name) and node.id == "solution" and not _is_call_owner(tree,
                                                                                     node):
            raise TestSyntaxError(f"line {node.lineno}: 'solution' can only be called as "
                                  "solution.NAME(...)")
        if isinstance(node, ast.Assign) and not all(_names_only(t) for t in node.targets):
            raise TestSyntaxError(f"line {node.lineno}: only names can be assigned")
    return tree


def _names_only(target: ast.AST) -> bool:
    if isinstance(target, ast.Name):
        return target.id not in BUILTINS and target.id != "solution"
    return isinstance(target, (ast.Tuple, ast.List)) and all(_names_only(e)
                                                              for e in target.elts)


def _is_call_target(tree: ast.AST, attr: ast.Attribute) -> bool:
    return any(isinstance(n, ast.Call) and n.func is attr and _solution_call(n) is not None
               for n in ast.walk(tree))


def _is_call_owner(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Attribute) and n.value is name and _is_call_target(tree, n)
               for n in ast.walk(tree))


def calls(tree: ast.Module) -> list[Call]:
    """The solution calls this test makes, in source order, each once."""
    seen: dict[str, Call] = {}
    for node in ast.walk(tree):
        call = _solution_call(node)
        if call is not None:
            seen.setdefault(call.key, call)
    return list(seen.values())


def check(tree: ast.Module, outcomes: dict[str, Outcome]) -> None:
    """Interpret the test over the sandbox's outcomes; raises TestFailed with the reason."""
    _Interpreter(outcomes).run(tree)


class _Interpreter:
    def __init__(self, outcomes: dict[str, Outcome]) -> None:
        self.outcomes = outcomes
        self.scopes: list[dict[str, Any]] = [{}]
        self.steps = 0

    def run(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            self.step()
            if isinstance(stmt, ast.Assign):
                value = self.eval(stmt.value)
                for target in stmt.targets:
                    self.assign(target, value)
            elif isinstance(stmt, ast.Assert):
                if not self.truth(self.eval(stmt.test)):
                    msg = "" if stmt.msg is None else str(self.eval(stmt.msg))[:200]
                    raise TestFailed("assertion failed" + (f": {msg}" if msg else ""))
            elif isinstance(stmt, ast.Expr):
                self.eval(stmt.value)

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TestFailed(f"the hidden test took more than {MAX_STEPS} steps")

    @staticmethod
    def truth(value: Any) -> bool:
        if isinstance(value, Opaque):
            return False
        return bool(value)

    def assign(self, target: ast.AST, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.scopes[-1][target.id] = value
            return
        assert isinstance(target, (ast.Tuple, ast.List))
        items = list(self.bounded(value))
        if len(items) != len(target.elts):
            raise TestFailed(f"cannot unpack {len(items)} values into {len(target.elts)}")
        for t, v in zip(target.elts, items, strict=True):
            self.assign(t, v)

    def bounded(self, value: Any) -> list[Any]:
        if isinstance(value, Opaque):
            raise TestFailed(f"{value!r} cannot be iterated")
        out = []
        for item in value:
            self.step()
            out.append(item)
        return out

    def lookup(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in _CLASSES:
            return BUILTINS[name]
        raise TestFailed(f"name {name!r} is not defined")

    def eval(self, node: ast.AST) -> Any:  # noqa: C901, PLR0911, PLR0912 - one case a node
        self.step()
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = [self.eval(e) for e in node.elts]
            return {ast.Tuple: tuple, ast.List: list, ast.Set: set}[type(node)](items)
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise TestFailed("** in a dict display is not supported")
            return {self.eval(k): self.eval(v) for k, v in zip(node.keys, node.values, strict=True)
                    if k is not None}
        if isinstance(node, ast.BoolOp):
            value: Any = None
            for operand in node.values:
                value = self.eval(operand)
                if self.truth(value) is isinstance(node.op, ast.Or):
                    return value
            return value
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not self.truth(operand)
            return self.apply(_UNARY[type(node.op)], operand)
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.eval(node.left), self.eval(node.right))
        if isinstance(node, ast.Compare):
            left = self.eval(node.left)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self.eval(comp)
                if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(right, Opaque):
                    self.bounded(right) if not isinstance(right, (str, bytes)) else None
                if not self.truth(self.apply(_CMP[type(op)], left, right)):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self.eval(node.body if self.truth(self.eval(node.test)) else node.orelse)
        if isinstance(node, ast.Subscript):
            container = self.eval(node.value)
            if isinstance(node.slice, ast.Slice):
                parts = [None if p is None else self.eval(p)
                         for p in (node.slice.lower, node.slice.upper, node.slice.step)]
                return self.apply(operator.getitem, container, slice(*parts))
            return self.apply(operator.getitem, container, self.eval(node.slice))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            items = self.comprehend(node.generators, lambda: self.eval(node.elt))
            return set(items) if isinstance(node, ast.SetComp) else items
        if isinstance(node, ast.DictComp):
            pairs = self.comprehend(node.generators,
                                    lambda: (self.eval(node.key), self.eval(node.value)))
            return dict(pairs)
        raise TestFailed(f"{type(node).__name__} is not supported")

    def comprehend(self, generators: list[ast.comprehension], element: Any) -> list[Any]:
        out: list[Any] = []
        self.scopes.append({})
        try:
            self._loop(generators, 0, element, out)
        finally:
            self.scopes.pop()
        return out

    def _loop(self, gens: list[ast.comprehension], i: int, element: Any,
              out: list[Any]) -> None:
        if i == len(gens):
            out.append(element())
            if len(out) > MAX_ITEMS:
                raise TestFailed("a comprehension in the hidden test is too large")
            return
        gen = gens[i]
        for item in self.bounded(self.eval(gen.iter)):
            self.assign(gen.target, item)
            if all(self.truth(self.eval(cond)) for cond in gen.ifs):
                self._loop(gens, i + 1, element, out)

    def call(self, node: ast.Call) -> Any:
        target = _solution_call(node)
        if target is not None:
            outcome = self.outcomes.get(target.key)
            if outcome is None:
                raise TestFailed(f"{target} did not return (the program ended first)")
            if outcome.error is not None:
                raise TestFailed(f"{target} raised {outcome.error}")
            return decode_copy(outcome.value)
        assert isinstance(node.func, ast.Name)
        fn = BUILTINS[node.func.id]
        args = [self.eval(a) for a in node.args]
        kwargs = {k.arg: self.eval(k.value) for k in node.keywords if k.arg is not None}
        for a in args:
            if isinstance(a, (list, tuple, set, frozenset, dict, str, bytes)):
                self.steps += len(a)
        self.step()
        result = self.apply(fn, *args, **kwargs)
        if isinstance(result, (zip, enumerate, reversed)):
            result = self.bounded(result)
        return result

    def binop(self, op: ast.operator, left: Any, right: Any) -> Any:
        if isinstance(op, ast.Pow) and isinstance(left, int) and isinstance(right, int) \
                and right > 0 and abs(left) > 1 and right * abs(left).bit_length() > MAX_BITS:
            raise TestFailed("a power in the hidden test is too large")
        if isinstance(op, ast.LShift) and isinstance(right, int) and right > MAX_BITS:
            raise TestFailed("a shift in the hidden test is too large")
        if isinstance(op, ast.Mult):
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) \
                        and len(seq) * n > MAX_ITEMS:
                    raise TestFailed("a repetition in the hidden test is too large")
        return self.apply(_BIN[type(op)], left, right)

    @staticmethod
    def apply(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TestFailed:
            raise
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            raise TestFailed(f"{type(exc).__name__}: {str(exc)[:200]}") from exc


def decode_copy(wire: Any) -> Any:
    """A fresh value each time it is used, so one assertion cannot change what the next sees."""
    return decode(wire)


def outcome_from_wire(line: Any) -> Outcome:
    """One result line of the sandbox's channel; ValueError when it is malformed."""
    if not isinstance(line, dict) or len(line) != 1:
        raise ValueError("a result must be {'value': ...} or {'raised': ...}")
    (kind, body), = line.items()
    if kind == "raised" and isinstance(body, str):
        return Outcome(error=body[:300])
    if kind == "value":
        decode(body)  # validated now; decoded afresh at each use
        return Outcome(value=body)
    raise ValueError("a result must be {'value': ...} or {'raised': ...}")
