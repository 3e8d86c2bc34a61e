"""The source stage: bytes to text, and whether libcst's parser can take that text.

Decoding (PEP 263, BOM), the nesting guard that keeps libcst's native parser from crashing
the process, and the position and message of a syntax error. Each failure is an
``Unreadable`` or a reason string, which the pipeline turns into an AL001/AL003 finding.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from typing import TYPE_CHECKING

from ..findings import source_lines

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

# The traversal recurses a few frames per nesting level; CPython's default of 1000 is far
# too low for real code with long operator chains.
RECURSION_LIMIT = 20_000


def raise_recursion_limit() -> None:
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


class Unreadable(Exception):
    """The file cannot be read, decoded or parsed (the pipeline reports AL001)."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


class TooComplex(Exception):
    """Valid code alint will not follow: too big or nested too deeply (AL003)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_text(data: bytes, max_bytes: int) -> str:
    """The file's text, or TooComplex/Unreadable. ``data`` may be cut at ``max_bytes + 1``
    (the reader stops there), so an oversized file is named by the limit, not its size."""
    if len(data) > max_bytes:
        raise TooComplex(f"the file is larger than the {_size(max_bytes)} limit (max-file-bytes)")
    return decode_source(data)


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1e6:g} MB"
    return f"{count / 1e3:g} kB" if count >= 1000 else f"{count} bytes"


# A cheap count of tokens (names, numbers and single punctuation characters; a string
# counts per word): an upper bound that needs no tokenizer.
_TOKEN = re.compile(r"\w+|[^\w\s]")


def check_tokens(text: str, max_tokens: int) -> None:
    """TooComplex when the text holds more than ``max_tokens`` tokens (max-tokens)."""
    if max_tokens and len(text) > max_tokens:  # fewer characters than the cap: fewer tokens
        count = 0
        for count, _ in enumerate(_TOKEN.finditer(text), start=1):
            if count > max_tokens:
                raise TooComplex(f"the file has more than {max_tokens:,} tokens (max-tokens)")


def parse(text: str) -> cst.Module:
    """libcst's tree of the text, or TooComplex/Unreadable (with CPython's position of a
    syntax error)."""
    reason = too_deep(text)
    if reason is not None:
        raise TooComplex(reason)
    raise_recursion_limit()
    import libcst as cst  # here: a run whose files the pre-check all skips never loads it

    from .parser_checks import skipped_checks

    try:
        with skipped_checks():  # the node checks the parser's output always passes
            module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        if may_nest_deeply(text) and cpython_parses(text):
            # Valid code past what libcst's parser handles (e.g. thousands of implicitly
            # concatenated strings): too complex for alint, not a syntax error.
            raise TooComplex("the parser cannot follow this valid code") from exc
        line, column, message = syntax_error_position(text, exc)
        raise Unreadable(f"syntax error: {message}", line, column) from exc
    except RecursionError as exc:
        raise TooComplex("expressions nest deeper than the parser can follow") from exc
    except cst.CSTValidationError as exc:
        # libcst builds the tree while parsing and refuses some nodes CPython also rejects
        # ("cannot mix bytes and nonbytes literals" in an implicit concatenation).
        line, column, message = compile_error_position(text, str(exc))
        raise Unreadable(f"syntax error: {message}", line, column) from exc
    rejected = cpython_rejects_literal(text)
    if rejected is not None:
        raise Unreadable(f"syntax error: {rejected[2]}", rejected[0], rejected[1])
    return module


def compile_error_position(text: str, fallback: str) -> tuple[int, int, str]:
    """Where CPython places its syntax error in ``text`` (line, column, message); 1:1 and
    ``fallback`` when CPython compiles it (it never runs the code: compile only)."""
    try:
        compile(text, "<alint>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return exc.lineno or 1, exc.offset or 1, exc.msg
    except (ValueError, MemoryError, RecursionError):
        pass
    return 1, 1, fallback


# CPython's errors about a literal or a token, which mean the same in every Python 3
# version (so a running Python older than the analysed code cannot raise them for new
# syntax), and which libcst's parser does not raise: it accepts the text.
_LITERAL_ERRORS = ("(unicode error)", "(value error)", "bytes can only contain ASCII", "null bytes")


# What a literal CPython rejects needs in the text: an escape that may be malformed or name
# an unknown character (``\N{``, ``\x``/``\u``/``\U`` without their hex digits, or past
# U+10FFFF), a bytes literal where the text has a non-ASCII character, or a null byte.
# A text without any of them needs no compile(), which costs a third of libcst's parse.
_DOUBTFUL_ESCAPE = re.compile(r"\\(?:N\{|x(?![0-9A-Fa-f]{2})|u(?![0-9A-Fa-f]{4})|U(?!000[0-9A-Fa-f]{5}|0010[0-9A-Fa-f]{4}))")
_BYTES_PREFIX = re.compile(r"(?<![\w.])(?:[bB][rR]?|[rR][bB])['\"]")


def may_reject_literal(text: str) -> bool:
    if "\0" in text or ("\\" in text and _DOUBTFUL_ESCAPE.search(text) is not None):
        return True
    return not text.isascii() and _BYTES_PREFIX.search(text) is not None


def cpython_rejects_literal(text: str) -> tuple[int, int, str] | None:
    """Line, column and message when CPython rejects a literal libcst accepted (a
    ``compile()`` check); None when it compiles, or fails for another reason."""
    if not may_reject_literal(text):
        return None  # nothing a literal could be rejected for
    try:
        with warnings.catch_warnings():  # an "invalid escape sequence" is the code's, not alint's
            warnings.simplefilter("ignore")
            compile(text, "<alint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        message = str(exc.msg if isinstance(exc, SyntaxError) else exc)
        if not any(marker in message for marker in _LITERAL_ERRORS):
            return None
        null = text.find("\0")
        if "null bytes" in message and null >= 0:
            return (text.count("\n", 0, null) + 1, null - (text.rfind("\n", 0, null) + 1) + 1,
                    "the file contains a null byte")
        line = getattr(exc, "lineno", None) or 1
        return line, max(getattr(exc, "offset", None) or 1, 1), message
    except (RecursionError, MemoryError):
        return None
    return None


def decode_source(data: bytes) -> str:
    """Bytes to text with the PEP 263 encoding (UTF-8 by default, BOM honoured)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise Unreadable(f"bad encoding declaration: {exc.msg}", exc.lineno or 1) from exc
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        # columns count code points: decode what precedes the bad byte on its line
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode(encoding, "replace")) + 1
        raise Unreadable(f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} at line {line}",
                         line, column) from exc
    except LookupError as exc:
        raise Unreadable(f"unknown encoding {encoding!r}") from exc


_BRACKETS = re.compile(r"[()\[\]{}]")
# libcst's native parser crashes (stack overflow, not an exception) or takes seconds per
# statement past a couple of thousand levels of expression nesting: measured with an 8 MB
# stack, a 3000-deep subscript chain, a 4000-deep lambda chain and an 8000-term `and`
# chain crash it, and a 2000-deep subscript chain takes 13 s. Real code stays far below.
MAX_EXPRESSION_DEPTH = 1000
# A statement level costs libcst about a quarter of an expression level: an `elif` chain
# (each `elif` an If nested in the previous one's orelse) of 8000 parses, of 12000 crashes.
# Other statements cannot nest past CPython's 100 indentation levels.
STATEMENT_WEIGHT = 4  # statement levels per expression level


def may_nest_deeply(text: str) -> bool:
    """A cheap text scan: could any expression here nest MAX_EXPRESSION_DEPTH deep? Its
    brackets are read in the code, strings and comments aside (``_brackets_of_code``).

    An expression that deep needs more than 100 nested brackets, or an operator chain of
    at least two characters per level: on one long line, inside one long bracketed span,
    or across many backslash continuations; statements that deep need an `elif` chain.
    """
    code = _brackets_of_code(text)
    depth = max_depth = 0
    start = longest = 0
    for match in _BRACKETS.finditer(code):
        if match.group() in "([{":
            if depth == 0:
                start = match.start()
            depth += 1
            max_depth = max(max_depth, depth)
        elif depth:
            depth -= 1
            if depth == 0:
                longest = max(longest, match.start() - start)
    if depth:  # an unclosed bracket: the span runs to the end of the text
        longest = max(longest, len(code) - start)
    reach = 2 * MAX_EXPRESSION_DEPTH
    return (max_depth > 100 or longest > reach or text.count("\\\n") > MAX_EXPRESSION_DEPTH // 5
            or text.count("elif") > reach or any(len(line) > reach for line in source_lines(text)))


def _brackets_of_code(text: str) -> str:
    """The text for the bracket scan: comments blanked, each string literal (but an
    f-string) cut to two characters. A bracket in a string or a comment nests nothing, and
    one left open there made a span run to the end of the file; a string stays two
    characters because libcst nests an implicit concatenation one level per part."""
    from .precheck import code_only

    return code_only(text, '""')


def _libcst_depth(tree: ast.AST) -> int:
    """How deep libcst's tree for this code would be, in expression levels: CPython's
    tree, except that libcst nests `a and b and c` one level per operator where CPython
    keeps one flat BoolOp, and that a statement level weighs 1/STATEMENT_WEIGHT."""
    deepest = 0
    pending: list[tuple[ast.AST, int]] = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, ast.stmt):
            depth += 1
        elif isinstance(node, ast.BoolOp):
            depth += STATEMENT_WEIGHT * (len(node.values) - 1)
        else:
            depth += STATEMENT_WEIGHT
        if depth > deepest:
            deepest = depth
        pending.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest // STATEMENT_WEIGHT


def syntax_error_position(text: str, exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """Line, 1-based column and message of a syntax error.

    libcst's native parser leaves ``raw_column`` at 0 and names, in its message, the token
    after the one that failed. CPython's parser points at the failing token with a
    clearer message: use it when it fails within the two lines before libcst's (else it
    stopped at something else, e.g. syntax newer than the running Python).
    """
    line, column = exc.raw_line, exc.raw_column + 1
    where = re.search(r"error at (\d+):(\d+)", exc.message)
    if where is not None:
        line, column = int(where.group(1)), int(where.group(2)) + 1
    message = re.sub(r"^(parser error: )?(error at \d+:\d+: )?", "", " ".join(exc.message.split())) or "invalid syntax"
    null = text.find("\0")
    if null >= 0 and "'\\0'" in message:  # CPython rejects null bytes before parsing
        line = text.count("\n", 0, null) + 1
        return line, null - (text.rfind("\n", 0, null) + 1) + 1, "the file contains a null byte"
    # A tokenizer error carries no position in libcst (it says 1:1): CPython's is the one.
    tokenizer = message.startswith("tokenizer error")
    try:
        compile(text, "<alint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as cpython:
        if cpython.lineno is not None and (tokenizer or line - 2 <= cpython.lineno <= line):
            return cpython.lineno, max(cpython.offset or 1, 1), cpython.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    return line, column, message


def cpython_parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def too_deep(text: str) -> str | None:
    """A reason when the text nests too deeply for libcst's native parser to survive.

    A cheap scan decides whether to ask CPython's own parser, which fails cleanly, for
    the tree's shape; code CPython cannot parse is left to libcst (it may be newer syntax).
    """
    if not may_nest_deeply(text):
        return None
    raise_recursion_limit()  # CPython's tree conversion recurses per level
    try:
        tree = ast.parse(text)
    except (RecursionError, MemoryError):
        return "expressions nest deeper than the parser can follow"
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg) or "too complex" in str(exc.msg):
            return f"expressions nest too deeply ({exc.msg})"
        return None
    except ValueError:
        return None
    depth = _libcst_depth(tree)
    if depth > MAX_EXPRESSION_DEPTH:
        return f"code nests {depth} levels deep, over the {MAX_EXPRESSION_DEPTH} alint follows"
    return None
