"""IAM's ``Condition`` element, evaluated as AWS evaluates it (pure: no moto, no I/O).

A request context is a dict: lower-cased key -> its values (one for a single-valued key;
a key the request does not carry is absent). AWS's rules, from "IAM JSON policy
elements: Condition operators", "Conditions with multiple context keys or values",
"Single-valued vs. multivalued context keys" and "IAM policy elements: Variables":

- AND across operators and across a block's keys; OR across a key's policy values, NOR
  for a negated operator (``StringNotEquals``: not equal to ANY listed value);
- a key absent from the context: the condition is false, true for a negated operator;
  ``...IfExists`` is true; ``ForAllValues:`` is true (also on an empty list), ``ForAnyValue:``
  false; ``Null`` tests the absence itself;
- key names are case-insensitive, values case-sensitive (but ``...IgnoreCase``);
- policy variables (``${aws:userid}``, ``${key, 'default'}``, ``${*}``, ``${?}``, ``${$}``)
  in the values of String and ARN operators; one that resolves to nothing makes the
  condition false.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import functools
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Context = Mapping[str, Sequence[str]]
STAR, QUESTION = "\ue000", "\ue001"   # a literal * or ? (from a variable, or ${*} / ${?}) in a pattern
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'((?:[^']|'')*)'\s*$")


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, fold: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(
        "*" if c == STAR else "?" if c == QUESTION else c) for c in pattern)
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if fold else 0))


def like(value: str, pattern: str, fold: bool = False) -> bool:
    """Does VALUE match PATTERN (``*`` any run, ``?`` one character; STAR / QUESTION literal)?"""
    return _compiled(pattern, fold).match(value) is not None


def literal(marked: str) -> str:
    return marked.replace(STAR, "*").replace(QUESTION, "?")


def resolve(text: str, context: Context) -> str | None:
    """TEXT with its policy variables replaced from CONTEXT (their * and ? kept literal, as
    STAR / QUESTION), or None where one has no value and no default (or is multivalued)."""
    if "${" not in text:
        return text
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        inner = m.group(1)
        if inner.strip() in ("*", "?", "$"):
            return {"*": STAR, "?": QUESTION, "$": "$"}[inner.strip()]
        found = _DEFAULT.match(inner)
        name, default = (found.group(1), found.group(2).replace("''", "'")) if found else (inner.strip(), None)
        values = context.get(name.lower())
        chosen = values[0] if values and len(values) == 1 else default
        if chosen is None:
            missing = True
            return ""
        return chosen.replace("*", STAR).replace("?", QUESTION)

    out = _VARIABLE.sub(one, text)
    return None if missing else out


# -- the operators: compare(context value, policy value) -----------------------------
def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    """ISO 8601 (a date, or a time with or without zone: UTC) or epoch seconds."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _ordered(parse: Callable[[str], float | None], test: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def compare(actual: str, wanted: str) -> bool:
        a, w = parse(actual), parse(wanted)
        return a is not None and w is not None and test(a, w)
    return compare


def _binary(actual: str, wanted: str) -> bool:
    try:
        return base64.b64decode(actual, validate=True) == base64.b64decode(wanted, validate=True)
    except (binascii.Error, ValueError):
        return False


def _ip(actual: str, wanted: str) -> bool:
    try:
        address, network = ipaddress.ip_address(actual.strip()), ipaddress.ip_network(wanted.strip(), strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


def _arn(actual: str, wanted: str) -> bool:
    """Per ARN component (arn:partition:service:region:account:resource), each with wildcards."""
    a, w = actual.split(":", 5), wanted.split(":", 5)
    return len(a) == len(w) == 6 and all(like(x, y) for x, y in zip(a, w))


_EQUAL: Callable[[str, str], bool] = str.__eq__
_FOLDED: Callable[[str, str], bool] = lambda a, w: literal(w).casefold() == a.casefold()  # noqa: E731
_LT, _LE = (lambda a, w: a < w), (lambda a, w: a <= w)
_GT, _GE, _EQ = (lambda a, w: a > w), (lambda a, w: a >= w), (lambda a, w: a == w)
# name -> (compare, negated, takes variables). Null is apart (it tests presence).
BASE: dict[str, tuple[Callable[[str, str], bool], bool, bool]] = {
    "StringEquals": (lambda a, w: a == literal(w), False, True),
    "StringNotEquals": (lambda a, w: a == literal(w), True, True),
    "StringEqualsIgnoreCase": (_FOLDED, False, True),
    "StringNotEqualsIgnoreCase": (_FOLDED, True, True),
    "StringLike": (like, False, True),
    "StringNotLike": (like, True, True),
    **{f"Numeric{n}": (_ordered(_number, t), n == "NotEquals", False) for n, t in (
        ("Equals", _EQ), ("NotEquals", _EQ), ("LessThan", _LT), ("LessThanEquals", _LE),
        ("GreaterThan", _GT), ("GreaterThanEquals", _GE))},
    **{f"Date{n}": (_ordered(_date, t), n == "NotEquals", False) for n, t in (
        ("Equals", _EQ), ("NotEquals", _EQ), ("LessThan", _LT), ("LessThanEquals", _LE),
        ("GreaterThan", _GT), ("GreaterThanEquals", _GE))},
    "Bool": (lambda a, w: a.lower() == w.lower(), False, True),
    "BinaryEquals": (_binary, False, False),
    "IpAddress": (_ip, False, False),
    "NotIpAddress": (_ip, True, False),
    "ArnEquals": (_arn, False, True),
    "ArnLike": (_arn, False, True),
    "ArnNotEquals": (_arn, True, True),
    "ArnNotLike": (_arn, True, True),
}
QUALIFIERS = ("ForAllValues", "ForAnyValue")


@dataclass(frozen=True)
class Operator:
    base: str
    qualifier: str = ""      # "ForAllValues", "ForAnyValue" or ""
    if_exists: bool = False


@functools.lru_cache(maxsize=512)
def operator(name: str) -> Operator | None:
    """The operator NAME spells, or None where IAM does not know it (MalformedPolicyDocument)."""
    qualifier, _, rest = name.rpartition(":")
    if qualifier and qualifier not in QUALIFIERS:
        return None
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest.removesuffix("IfExists") if if_exists else rest
    if base == "Null":   # AWS's docs: no IfExists for Null; IAM takes it (it tests presence anyway)
        return Operator(base, qualifier, if_exists)
    return Operator(base, qualifier, if_exists) if base in BASE else None


def known_operators() -> list[str]:
    names = [*BASE, "Null"]
    return [f"{q}{n}{e}" for q in ("", *(f"{q}:" for q in QUALIFIERS)) for n in names for e in ("", "IfExists")]


def _policy_values(raw: Any) -> list[str] | None:
    """A key's policy values as strings (JSON true/false/numbers as IAM reads them), or None."""
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for v in items:
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, (int, float, str)):
            out.append(str(v))
        else:
            return None
    return out or None


def problems(condition: Any, where: str) -> list[str]:
    """What IAM would refuse in the Condition element at WHERE (``Statement[0]``), each one line."""
    shape = 'write it as {"Operator": {"key": "value" or ["values"]}}'
    if not isinstance(condition, dict):
        return [f"{where}.Condition must be an object; {shape}"]
    out = []
    for name, clauses in condition.items():
        if operator(str(name)) is None:
            close = difflib.get_close_matches(str(name), known_operators(), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "see IAM's condition operators"
            out.append(f"{where}.Condition: unknown condition operator {name!r}; {hint}")
        elif not isinstance(clauses, dict) or not clauses:
            out.append(f"{where}.Condition.{name} must map condition keys to values; {shape}")
        else:
            out += [f"{where}.Condition.{name}.{key}: a value must be a string, number or boolean, "
                    "or a non-empty list of them" for key, raw in clauses.items() if _policy_values(raw) is None]
    return out


def holds(condition: Any, context: Context) -> bool:
    """Does the Condition element hold for CONTEXT (AND of its operators and keys)?"""
    if not isinstance(condition, dict):
        return False
    for name, clauses in condition.items():
        op = operator(str(name))
        if op is None or not isinstance(clauses, dict):
            return False   # IAM refuses such a policy; a bucket policy moto took: it applies to nothing
        for key, raw in clauses.items():
            if not _clause(op, str(key).lower(), _policy_values(raw) or [], context):
                return False
    return True


def _clause(op: Operator, key: str, wanted: list[str], context: Context) -> bool:
    actual = context.get(key)
    if op.base == "Null":   # "true": the key must be absent; "false": present
        return any((w.lower() == "true") == (not actual) for w in wanted)
    compare, negated, variables = BASE[op.base]
    if not actual:
        if op.qualifier:
            return op.qualifier == "ForAllValues"
        return op.if_exists or negated
    resolved = [resolve(w, context) for w in wanted] if variables else wanted
    if None in resolved:
        return False
    policy = [w for w in resolved if w is not None]

    def one(value: str) -> bool:
        hit = any(compare(value, w) for w in policy)
        return not hit if negated else hit

    if op.qualifier == "ForAllValues":
        return all(one(v) for v in actual)
    if op.qualifier == "ForAnyValue":
        return any(one(v) for v in actual)
    return all(one(v) for v in actual) if negated else any(one(v) for v in actual)
