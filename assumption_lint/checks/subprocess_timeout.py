"""AL303 subprocess-without-timeout.

``subprocess.run(...)`` and friends, and ``Popen.communicate()/wait()``, wait for the child
as long as it runs. The finding's severity follows what the child can wait on: a network
program (a ``[[command]]`` with role "network" in ``rules/subprocess.toml``), a program or
command text alint cannot read, ``shell=True``, or a remote URL among the literal arguments
make it a warning; a local program named by a literal is a note. A program the catalog
calls ``instant`` (df, git rev-parse) or ``server`` (uvicorn, flask run) is not reported.
A program named by a setting with a literal default (``config.get("ffmpeg", "ffmpeg")``,
``shutil.which("ffmpeg")``) is that program.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from typing import Any, Callable, TYPE_CHECKING

import libcst as cst

from ..catalog import CommandEntry
from ..facts.arguments import HIDDEN, argument, is_none, literal_string
from ..facts.waits import last_names, may_be, source_text, waits_unbounded
from ..facts.reachability import Reachability
from .base import Check, kind_words

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_SHELL_OPERATORS = frozenset(";&|()<>")
# Methods after which the child has ended (or was told to): a later wait returns promptly.
_FINISHERS = frozenset({"kill", "terminate", "communicate", "wait"})
_SPLIT = frozenset({"split"})
# The arguments of a version probe, the usual way to check which program a path runs.
_VERSION_PROBES = frozenset({"--version", "-version", "-V", "version"})
# A literal argument naming another machine: a program given one waits on it.
_REMOTE_URL = re.compile(r"^(?!file:)[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Calls whose value is a program path with a literal default: `settings.get("ffmpeg_binary",
# "ffmpeg")`, `os.getenv("FFMPEG", "ffmpeg")`, `shutil.which("ffmpeg")`.
_DEFAULTING = frozenset({"get", "getenv", "which"})


@dataclass(frozen=True)
class Verdict:
    """What a command runs, as far as literals tell."""

    subject: str  # "`git clone`", "the command"
    why: str
    outside: bool  # can wait on something outside this machine's local resources
    bounded: bool = False  # the command line bounds itself (coreutils `timeout`, curl -m)
    network: bool = False  # a catalogued network program is named (git pull, curl)


class SubprocessWithoutTimeout(Check):
    rules = ("AL303",)
    needs = (Reachability,)  # no findings in code nothing runs

    @classmethod
    def relevant_words(cls, catalog: Any) -> frozenset[str]:
        return kind_words(catalog, ("subprocess",))  # it reports only waits of this kind

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        # Literal command lists bound to names (`cmd = ["git", "pull"]`), innermost scope last.
        self._literals: list[dict[str, cst.BaseExpression]] = [{}]
        # Popen objects already killed or waited for in this function (`proc.kill()`,
        # `proc.communicate()`): a later wait for them returns promptly; after a kill it is
        # the documented clean-up after TimeoutExpired.
        self._finished: list[set[str]] = [set()]
        self._attributes = last_names(name for name, api in self.catalog.apis.items()
                                      if api.kind == "subprocess") | _FINISHERS

    # ------------------------------------------------------------------ literals
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # Parameters shadow module literals of the same name: their value is the caller's.
        params = node.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params,
                 *(p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param))]
        self._literals.append({param.name.value: cst.Name("None") for param in every})
        self._finished.append(set())

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._literals.pop()
        self._finished.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            # A new object under a finished name (`proc = Popen(...)` again) must be waited for.
            self._finished[-1].discard(source_text(target.target))
            if isinstance(target.target, cst.Name):
                name = target.target.value
                default = self._program_default(node.value)
                if isinstance(node.value, (cst.List, cst.Tuple, cst.SimpleString, cst.ConcatenatedString)) \
                        or self._split_literal(node.value) is not None:
                    self._literals[-1][name] = node.value
                elif default is not None:
                    self._literals[-1][name] = default
                else:
                    # Shadowed by something alint does not read: the name is no longer a literal.
                    self._literals[-1][name] = cst.Name("None")

    def _program_default(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """The literal a configurable program path falls back to: the program it names unless
        someone configures another path (``x or "ffmpeg"``, ``.get(key, "ffmpeg")``)."""
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
            right = value.right
            return right if literal_string(right) is not None else None
        if not isinstance(value, cst.Call) or not may_be(value.func, _DEFAULTING):
            return None
        assert isinstance(value.func, (cst.Attribute, cst.Name))
        name = value.func.attr.value if isinstance(value.func, cst.Attribute) else value.func.value
        positional = [arg.value for arg in value.args if arg.keyword is None and not arg.star]
        if name == "which":
            resolved = self.resolver.resolve(value.func)
            if resolved is None or resolved.name != "shutil.which" or not positional:
                return None
            candidate = positional[0]
        elif len(positional) == 2:
            candidate = positional[1]
        else:
            return None
        text = literal_string(candidate)
        return candidate if text is not None and text.strip() and " " not in text.strip() else None

    def _literal(self, name: str) -> cst.BaseExpression | None:
        for scope in reversed(self._literals):
            if name in scope:
                value = scope[name]
                return None if isinstance(value, cst.Name) else value
        return None

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        if not may_be(node.func, self._attributes):
            return
        resolved = self.resolver.resolve(node.func)
        if resolved is None:
            return
        if resolved.instance is not None and isinstance(node.func, cst.Attribute):
            owner = source_text(node.func.value)
            if owner in self._finished[-1]:
                return
            if node.func.attr.value in _FINISHERS:
                self._finished[-1].add(owner)
        api = self.catalog.api(resolved.name)
        if api is None or api.kind != "subprocess" or api.wait is None:
            return
        if not waits_unbounded(node, api.wait, None):
            return
        # Popen methods: the command is in the constructor call the object came from.
        command_call = resolved.instance.call if resolved.instance is not None else node
        verdict = self._verdict(command_call)
        if verdict.bounded:
            return
        severity = "warning" if verdict.outside else "note"
        why = verdict.why
        if verdict.outside and not verdict.network and self._foreground(resolved.name, command_call):
            # An unknown or user-chosen program in front of the user (a pager, a player, an
            # ffmpeg merge): a hang shows on the terminal and Ctrl-C ends it. Still worth a
            # note; a named network program stays a warning (its wait is on another machine).
            severity = "note"
            why += ", though it runs in the foreground (its output goes to the terminal, where a hang shows and Ctrl-C stops it)"
        self.report("AL303", node, severity=severity,
                    api=resolved.name, subject=verdict.subject, why=why, fix=api.wait.fix)

    def _foreground(self, api: str, call: cst.Call) -> bool:
        """The child inherits the terminal's output: nothing captures or discards its stdout
        or stderr, and alint can see every argument. A ``stdin=PIPE`` child waited for with
        ``wait()`` is not: it may block reading a pipe the parent never closes (a hidden
        deadlock), while ``communicate()`` and ``run()`` write the input and close it."""
        if api == "subprocess.check_output" or sum(1 for arg in call.args if arg.keyword is None) > 1 \
                or any(arg.star for arg in call.args):
            return False
        capture = argument(call, "capture_output", None)
        if capture is not None and not (isinstance(capture, cst.Name) and capture.value == "False"):
            return False
        for keyword, inherit in (("stdout", {"sys.stdout"}), ("stderr", {"sys.stderr", "subprocess.STDOUT"})):
            value = argument(call, keyword, None)
            if value is not None and not self._names(value, inherit):
                return False
        stdin = argument(call, "stdin", None)
        return not (api == "subprocess.Popen.wait" and stdin is not None
                    and not self._names(stdin, {"sys.stdin", "subprocess.DEVNULL"}))

    def _names(self, value: object, names: set[str]) -> bool:
        """``None`` or an expression that resolves to one of ``names``."""
        if not isinstance(value, cst.BaseExpression):
            return False
        if is_none(value):
            return True
        resolved = self.resolver.resolve(value)
        return resolved is not None and resolved.instance is None and resolved.name in names

    def _verdict(self, call: cst.Call) -> Verdict:
        shell = argument(call, "shell", None)
        is_shell = isinstance(shell, cst.Name) and shell.value == "True"
        command = argument(call, "args", 0)
        if command is None or command is HIDDEN:
            return Verdict("the command", "alint cannot see which program it runs", True)
        assert isinstance(command, cst.BaseExpression)
        if isinstance(command, cst.Name):
            command = self._literal(command.value) or command
        words = self._split_literal(command) or _words(command, is_shell, self._program_name)
        if words is None:
            what = "command line" if is_shell or isinstance(command, (cst.FormattedString, cst.BinaryOperation)) else "command"
            return Verdict("the command", f"the {what} comes from a variable", True)
        if is_shell:
            return _shell_verdict(words, self.catalog.waits.commands, "shell=True runs a whole command line")
        return _program_verdict(words, self.catalog.waits.commands)

    def _split_literal(self, node: cst.BaseExpression) -> list[str | None] | None:
        """``"git pull".split()`` or ``shlex.split("git pull")``: a literal argument vector."""
        if not isinstance(node, cst.Call) or not may_be(node.func, _SPLIT):
            return None
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "split" and not node.args:
            text = literal_string(func.value)
            return list(text.split()) if text is not None else None
        resolved = self.resolver.resolve(func)
        if resolved is not None and resolved.name == "shlex.split" and len(node.args) == 1:
            text = literal_string(node.args[0].value)
            return _split(text, False) if text is not None else None
        return None

    def _program_name(self, node: cst.BaseExpression) -> str | None:
        """A literal word, or the interpreter running alint's target (``sys.executable``)."""
        text = literal_string(node)
        if text is not None:
            return text
        if isinstance(node, cst.Name):
            # A name bound to a string literal (`count_opt = "-c"`); the last binding in source
            # order when branches differ, as for the command lists themselves.
            bound = self._literal(node.value)
            text = literal_string(bound) if bound is not None else None
            if text is not None:
                return text
        resolved = self.resolver.resolve(node)
        return "python" if resolved is not None and resolved.name == "sys.executable" else None


# A word alint cannot read inside an f-string; never produced by a real command line.
_HOLE = "\0"


def _words(command: cst.BaseExpression, shell: bool,
           word: Callable[[cst.BaseExpression], str | None]) -> list[str | None] | None:
    """The argument vector as literals (None for an element alint cannot read), or None."""
    if isinstance(command, (cst.List, cst.Tuple)):
        words: list[str | None] = []
        for element in command.elements:
            if isinstance(element, cst.StarredElement):
                words.append(None)
                break  # positions after a starred element are unknown
            words.append(word(element.value))
        return words
    if isinstance(command, cst.FormattedString):
        # f"ssh {host} uptime": the literal parts still name the program.
        text = "".join(part.value if isinstance(part, cst.FormattedStringText) else _HOLE
                       for part in command.parts)
        split = _split(text, shell)
        return [None if item is None or _HOLE in item else item for item in split] if split else None
    literal = literal_string(command)
    if literal is None:
        return None
    return _split(literal, shell) if shell or " " in literal else [literal]


def _split(text: str, shell: bool) -> list[str | None] | None:
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=shell)
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError:
        return None


def _program(word: str) -> str:
    name = os.path.basename(word)
    return name[:-4] if name.lower().endswith(".exe") else name


def _program_verdict(words: list[str | None], commands: dict[str, CommandEntry]) -> Verdict:
    verdict = _catalogued_verdict(words, commands)
    if verdict.outside or verdict.bounded:
        return verdict
    url = next((word for word in words if word is not None and _REMOTE_URL.match(word)), None)
    if url is not None:
        # `ffmpeg -i rtsp://camera/stream`: even a local program waits on the machine it reads.
        return Verdict(verdict.subject, "it is given a remote URL, so it waits on another machine", True, network=True)
    return verdict


def _subcommand(rest: list[str | None], entry: CommandEntry) -> str | None:
    """The first word that is neither an option nor an option's value (``git -C dir log``)."""
    skip = False
    for word in rest:
        if skip:
            skip = False
            continue
        if word is None:
            return None
        if word in entry.value_options:
            skip = True
            continue
        if not word.startswith("-"):
            return word
    return None


def _quiet(program: str) -> Verdict:
    """An instant or server program: no finding (a timeout is not needed, or would be wrong)."""
    return Verdict(f"`{program}`", "", False, bounded=True)


def _catalogued_verdict(words: list[str | None], commands: dict[str, CommandEntry]) -> Verdict:
    index = 0
    while index < len(words):
        word = words[index]
        if word is None:
            if words[index + 1:] and all(rest in _VERSION_PROBES for rest in words[index + 1:]):
                # `[ffmpeg, "-version"]`: which program it is, alint cannot tell, but a version
                # probe answers at once unless the program itself is broken.
                return Verdict("the command", "the program comes from a variable, though it only prints its version",
                               False)
            return Verdict("the command", "the program comes from a variable", True)
        program = _program(word)
        entry = commands.get(program)
        if entry is None:
            return _local(program)
        rest = words[index + 1:]
        if entry.role == "bounded":
            return Verdict(f"`{program}`", "", False, bounded=True)
        if entry.role in ("instant", "server"):
            applies = (not entry.subcommands or _subcommand(rest, entry) in entry.subcommands) \
                and (entry.option is None or entry.option in rest)
            return _quiet(program) if applies else _local(program)
        if entry.role == "wrapper":
            index += 1
            while index < len(words) and _is_option(words[index]):
                index += 1
            continue
        if entry.role == "network":
            if _bounds_itself(rest, entry.bounded_by):
                return Verdict(f"`{program}`", "", True, bounded=True)
            if not entry.subcommands:
                return Verdict(f"`{program}`", f"{program} {entry.label}", True, network=True)
            sub = next((word for word in rest if word in entry.subcommands), None)
            if sub is not None:
                return Verdict(f"`{program} {sub}`", f"{program} {sub} {entry.label}", True, network=True)
            if entry.instant_subcommands and _subcommand(rest, entry) in entry.instant_subcommands:
                return _quiet(program)
            return _local(program)
        option_at = rest.index(entry.option) if entry.option in rest else -1
        if entry.role == "shell":
            if option_at < 0:
                return _local(program)
            text = rest[option_at + 1] if option_at + 1 < len(rest) else None
            inner = _split(text, True) if text is not None else None
            if inner is None:
                return Verdict("the command", f"{program} {entry.option} runs command text from a variable", True)
            return _shell_verdict(inner, commands, f"{program} {entry.option} runs a whole command line")
        if entry.role == "interpreter" and option_at >= 0:
            index += 1 + option_at + 1  # the module after -m is the program
            continue
        return _local(program)
    return Verdict("the command", "alint cannot see which program it runs", True)


def _bounds_itself(arguments: list[str | None], options: tuple[str, ...]) -> bool:
    """One of the program's own run-bounding options among its literal arguments: ``-m 30``,
    ``--max-time=30``, ``-m30`` (a short option with its value attached). A literal value of
    0 disables the bound for these programs (``wget --timeout=0``), so it does not count."""
    for index, word in enumerate(arguments):
        if word is None:
            continue
        for option in options:
            if word == option:
                value = arguments[index + 1] if index + 1 < len(arguments) else None
            elif option.startswith("--") and word.startswith(option + "="):
                value = word[len(option) + 1:]
            elif not option.startswith("--") and word.startswith(option) and len(word) > len(option):
                value = word[len(option):]
            else:
                continue
            if value is None or value.strip() not in ("0", "0.0"):
                return True
    return False


def _is_option(word: str | None) -> bool:
    """A wrapper's own option or ``VAR=value`` (``env FOO=1 git fetch``, ``sudo -E ...``)."""
    return word is not None and (word.startswith("-") or "=" in word)


def _local(program: str) -> Verdict:
    return Verdict(f"`{program}`", "even a local program can hang on a lock, a full pipe or a prompt", False)


def _shell_verdict(words: list[str | None], commands: dict[str, CommandEntry], why: str) -> Verdict:
    """A shell command line: always a warning; name its network program when there is one."""
    segments: list[list[str | None]] = [[]]
    for word in words:
        if word is not None and word and set(word) <= _SHELL_OPERATORS:
            segments.append([])
        else:
            segments[-1].append(word)
    first: Verdict | None = None
    for segment in segments:
        if not segment:
            continue
        verdict = _program_verdict(segment, commands)
        if verdict.bounded:
            continue
        if verdict.outside and verdict.subject != "the command":
            return verdict
        first = first or verdict
    if first is None:
        return Verdict("the command", why, True, bounded=any(segments))
    return Verdict(first.subject, why, True)
