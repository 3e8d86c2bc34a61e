"""The facts layer: shared analyses declared in ``needs``, computed once per file, dispatched
before the checks that read them, and isolated when they crash."""

from __future__ import annotations

import pytest

from assumption_lint import engine
from assumption_lint.catalog import shipped_catalog
from assumption_lint.checks.base import Check
from assumption_lint.engine import analyze_text
from assumption_lint.settings import Settings
from assumption_lint.facts.base import Fact, FactCycleError, fact_order
from harness import FIXTURES

SOURCE = "import requests\nurl = 'https://example.com'\nrequests.get(url)\nrequests.post(url)\n"
RULES = frozenset({"AL002", "AL301", "AL302"})


def settings() -> Settings:
    return Settings(shipped_catalog(), RULES)


EVENTS: list[str] = []


class CallCount(Fact):
    """Counts calls; records when it sees one and when the module ends."""

    instances = 0

    def __init__(self, state) -> None:
        super().__init__(state)
        type(self).instances += 1
        self.calls = 0
        self.total: int | None = None

    def visit_Call(self, node) -> None:
        self.calls += 1
        EVENTS.append(f"fact call {self.calls}")

    def leave_Module(self, node) -> None:
        self.total = self.calls
        EVENTS.append("fact module")


class DoubledCount(Fact):
    """A fact that reads another fact."""

    needs = (CallCount,)

    def __init__(self, state) -> None:
        super().__init__(state)
        self.doubled = 0

    def visit_Call(self, node) -> None:
        self.doubled = 2 * self.fact(CallCount).calls


class ReadsCount(Check):
    rules = ("AL301",)
    needs = (CallCount,)

    def visit_Call(self, node) -> None:
        EVENTS.append(f"check {type(self).__name__} sees {self.fact(CallCount).calls}")

    def leave_Module(self, node) -> None:
        total = self.fact(CallCount).total
        EVENTS.append(f"check {type(self).__name__} module total {total}")
        self.report("AL301", node, statement=node, function="<module>", api=f"{total} calls",
                    default="d", phase="p", fix="f")


class AlsoReadsCount(ReadsCount):
    rules = ("AL302",)


class ReadsDoubled(Check):
    rules = ("AL302",)
    needs = (DoubledCount,)

    def leave_Module(self, node) -> None:
        EVENTS.append(f"doubled {self.fact(DoubledCount).doubled}")


class NeedsNothing(Check):
    rules = ("AL302",)

    def visit_Call(self, node) -> None:
        EVENTS.append("independent check")


@pytest.fixture(autouse=True)
def _reset() -> None:
    EVENTS.clear()
    CallCount.instances = 0


def test_one_instance_per_file_dispatched_before_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_CHECKS", (ReadsCount, AlsoReadsCount))
    analyze_text(SOURCE, "case.py", settings())
    assert CallCount.instances == 1
    # At every call the fact has already counted it, for both checks; its module result
    # is ready before either check's leave_Module.
    assert EVENTS == ["fact call 1", "check ReadsCount sees 1", "check AlsoReadsCount sees 1",
                      "fact call 2", "check ReadsCount sees 2", "check AlsoReadsCount sees 2",
                      "fact module", "check ReadsCount module total 2", "check AlsoReadsCount module total 2"]


def test_a_fact_no_enabled_check_needs_is_not_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_CHECKS", (ReadsCount, NeedsNothing))
    only_302 = Settings(shipped_catalog(), frozenset({"AL302"}))
    analyze_text(SOURCE, "case.py", only_302)
    assert CallCount.instances == 0
    assert EVENTS == ["independent check", "independent check"]


def test_facts_needing_facts_are_computed_in_dependency_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_CHECKS", (ReadsDoubled,))
    analyze_text(SOURCE, "case.py", settings())
    assert CallCount.instances == 1
    assert EVENTS[-1] == "doubled 4"
    assert fact_order([ReadsDoubled]) == [CallCount, DoubledCount]


def test_a_cycle_of_facts_is_rejected_with_its_path(monkeypatch: pytest.MonkeyPatch) -> None:
    class First(Fact):
        pass

    class Second(Fact):
        needs = (First,)

    monkeypatch.setattr(First, "needs", (Second,))  # only a later assignment can close a cycle
    with pytest.raises(FactCycleError, match="First -> Second -> First|Second -> First -> Second"):
        fact_order([Second])
    with pytest.raises(FactCycleError):
        class Third(Fact):  # defining a fact on a cycle fails at once
            needs = (Second,)


def test_needs_must_list_facts() -> None:
    with pytest.raises(TypeError, match="not a Fact"):
        class Wrong(Check):
            needs = (NeedsNothing,)  # type: ignore[assignment]


def test_reading_an_undeclared_fact_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Sneaky(Check):
        rules = ("AL301",)

        def visit_Call(self, node) -> None:
            self.fact(CallCount)

    monkeypatch.setattr(engine, "ALL_CHECKS", (ReadsCount, Sneaky))
    result = analyze_text(SOURCE, "case.py", settings())
    assert [error.check for error in result.errors] == ["Sneaky"]
    assert "without declaring it" in result.errors[0].error


@pytest.mark.parametrize("when", ["visit_Call", "leave_Module", "__init__"])
def test_a_crashing_fact_is_one_al002_naming_it_and_skips_only_its_checks(
        monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    def explode(self, *args) -> None:
        raise KeyError("fact broke")

    monkeypatch.setattr(CallCount, when, explode)
    monkeypatch.setattr(engine, "ALL_CHECKS", (ReadsCount, ReadsDoubled, NeedsNothing))
    result = analyze_text(SOURCE, "case.py", settings(), keep_tracebacks=True)
    crashes = [finding for finding in result.findings if finding.rule == "AL002"]
    assert len(crashes) == 1
    message = crashes[0].message
    assert "CallCount" in message and "shared fact" in message and "KeyError" in message
    assert "ReadsCount" in message and "ReadsDoubled" in message and "NeedsNothing" not in message
    assert [error.check for error in result.errors] == ["CallCount"]
    # The checks that need it (directly, or through DoubledCount) report nothing for the
    # file; the independent check still saw both calls.
    assert [finding.rule for finding in result.findings] == ["AL002"]
    assert not [event for event in EVENTS if event.startswith(("check ReadsCount module", "doubled"))]
    assert EVENTS.count("independent check") == 2
def test_a_crashing_fact_keeps_the_real_findings_of_other_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the shipped checks: AL301 (no fact) still reports while the crashed fact's checks stop."""
    from assumption_lint.facts.network_flow import NetworkFlow

    def explode(self, node) -> None:
        raise RuntimeError("flow broke")

    monkeypatch.setattr(NetworkFlow, "visit_Call", explode)
    code = "import requests\n\ndef main():\n    requests.get('https://x.example')\n\nif __name__ == '__main__':\n    main()\n"
    every = Settings(shipped_catalog(), frozenset(shipped_catalog().rules))
    result = analyze_text(code, "case.py", every)
    rules = sorted(finding.rule for finding in result.findings)
    assert rules == ["AL002", "AL301"]
    crash = next(finding for finding in result.findings if finding.rule == "AL002")
    assert "NetworkFlow" in crash.message and "UnhandledNetworkError" in crash.message


def test_network_flow_collects_each_call_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """All four AL2xx checks read one NetworkFlow: each call is visited and looked up once
    (when the flow was a base class of the checks, 50 calls took 200 visits, 250 lookups)."""
    from collections import Counter

    import libcst as cst

    from assumption_lint.facts import network
    from assumption_lint.facts.network_flow import NetworkFlow

    visits: Counter[int] = Counter()
    lookups: Counter[int] = Counter()
    original_visit, original_lookup = NetworkFlow.visit_Call, network.lookup_call

    def counted_visit(self, node):
        visits[id(node)] += 1
        return original_visit(self, node)

    def counted_lookup(resolver, catalog, module, node):
        lookups[id(node)] += 1
        return original_lookup(resolver, catalog, module, node)

    monkeypatch.setattr(NetworkFlow, "visit_Call", counted_visit)
    monkeypatch.setattr(network, "lookup_call", counted_lookup)
    path = FIXTURES / "network" / "api_client.py"
    text = path.read_text(encoding="utf-8")
    every = Settings(shipped_catalog(), frozenset(shipped_catalog().rules))
    result = analyze_text(text, str(path), every)
    calls = sum(isinstance(node, cst.Call) for node in _nodes(cst.parse_module(text)))
    assert calls == 50
    assert result.findings and not result.errors
    assert len(visits) == calls and set(visits.values()) == {1}
    assert len(lookups) == calls and set(lookups.values()) == {1}


def _nodes(node):
    yield node
    for child in node.children:
        yield from _nodes(child)


def test_an_unresolved_except_class_is_one_typed_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine records what it cannot resolve as Unresolved; the one matcher decides:
    a class of this module never catches a library error, anything else unresolved may."""
    from assumption_lint.facts.context import Unresolved
    from assumption_lint.facts.handlers import Clause, may_catch

    seen: list[tuple] = []

    class Records(Check):
        rules = ("AL301",)

        def visit_Call(self, node) -> None:
            seen.extend(handler.catches for handler in self.ctx.active_handlers())

    monkeypatch.setattr(engine, "ALL_CHECKS", (Records,))
    code = ("import requests\n\nclass Local(Exception):\n    pass\n\n"
            "try:\n    requests.get('u')\nexcept (Local, errors.Mine, make(), requests.RequestException):\n    pass\n")
    analyze_text(code, "case.py", settings())
    assert seen == [(Unresolved("Local", local_class=True), Unresolved("errors.Mine"),
                     Unresolved("<expression>"), "requests.RequestException")]
    knowledge = shipped_catalog().network
    raised = "requests.ConnectionError"
    assert [may_catch(knowledge, name, raised) for name in seen[0]] == [False, True, True, True]
    import libcst as cst
    except_local = cst.ExceptHandler(body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Pass()])]))
    assert not Clause(except_local, (Unresolved("Local", True),), False).catches_class(knowledge, raised)
    assert Clause(except_local, (Unresolved("errors.Mine"),), False).catches_class(knowledge, raised)
