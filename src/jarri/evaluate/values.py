"""Plain values as tagged JSON: how call arguments go into the code sandbox and return values
come out of it.

Only exact built-in types cross (``type(v) is int``, never a subclass): an object of any other
type (an always-equal ``__eq__``, an ``int`` subclass) crosses as ``{"other": type name}`` and
is decoded as an :class:`Opaque` that equals nothing, so no method the model wrote ever runs
where answers are compared. Sizes are bounded on both sides.

This file is also the codec *inside* the sandbox: the harness is built from its source (one
declaration, no copy), so it must use the standard library only.
"""

MAX_NODES = 100_000
MAX_DEPTH = 64


class TooLarge(ValueError):
    pass


def encode(value, budget=None):
    """``value`` as tagged JSON data; raises TooLarge beyond MAX_NODES / MAX_DEPTH."""
    budget = [MAX_NODES] if budget is None else budget
    return _enc(value, budget, 0)


def _enc(v, budget, depth):
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise TooLarge("the value is too large or too deeply nested")
    t = type(v)
    if v is None or t is bool:
        return v
    if t is str:
        budget[0] -= len(v) // 64
        return v
    if t is int:
        budget[0] -= v.bit_length() // 256
        if budget[0] < 0:
            raise TooLarge("the integer is too large")
        return {"int": hex(v)}  # hex: no limit on the digits of a big int
    if t is float:
        return {"float": v.hex()}  # exact, nan and inf included
    if t is list or t is tuple:
        return {t.__name__: [_enc(x, budget, depth + 1) for x in v]}
    if t is set or t is frozenset:
        items = sorted((_enc(x, budget, depth + 1) for x in v), key=_order)
        return {t.__name__: items}
    if t is dict:
        return {"dict": [[_enc(k, budget, depth + 1), _enc(x, budget, depth + 1)]
                         for k, x in v.items()]}
    if t is bytes:
        budget[0] -= len(v) // 64
        return {"bytes": v.hex()}
    if t is complex:
        return {"complex": [v.real.hex(), v.imag.hex()]}
    return {"other": str(getattr(t, "__qualname__", "?"))[:100]}


def _order(item):
    import json
    return json.dumps(item, sort_keys=True)


class Opaque:
    """A value of a type that does not cross: it equals nothing and supports nothing."""

    __slots__ = ("type_name",)

    def __init__(self, type_name):
        self.type_name = type_name

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = object.__hash__

    def __repr__(self):
        return "<object of type " + self.type_name + ">"


def decode(data, budget=None, depth=0):
    """The inverse of :func:`encode` over data from ``json.loads``; ValueError when malformed."""
    budget = [MAX_NODES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise ValueError("the value is too large or too deeply nested")
    if data is None or type(data) in (bool, str):
        return data
    if type(data) is not dict or len(data) != 1:
        raise ValueError("not a tagged value: " + repr(data)[:80])
    (tag, body), = data.items()
    if tag == "int" and type(body) is str:
        return int(body, 16)
    if tag == "float" and type(body) is str:
        return float.fromhex(body)
    if tag == "complex" and type(body) is list and len(body) == 2:
        return complex(float.fromhex(body[0]), float.fromhex(body[1]))
    if tag == "bytes" and type(body) is str:
        return bytes.fromhex(body)
    if tag == "other" and type(body) is str:
        return Opaque(body[:100])
    if type(body) is not list:
        raise ValueError("malformed tagged value: " + repr(data)[:80])
    if tag == "dict":
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise ValueError("malformed dict entry")
            out[decode(pair[0], budget, depth + 1)] = decode(pair[1], budget, depth + 1)
        return out
    items = [decode(x, budget, depth + 1) for x in body]
    if tag == "list":
        return items
    if tag == "tuple":
        return tuple(items)
    if tag in ("set", "frozenset"):
        return (set if tag == "set" else frozenset)(items)
    raise ValueError("unknown tag " + repr(tag)[:40])
