"""PageLoops: which loops page, what their requests read, what the loop changes, how it ends."""

from __future__ import annotations

import textwrap

import libcst as cst

from assumption_lint.catalog import shipped_catalog
from assumption_lint.facts.page_loops import analyse_loop, statement_of

FIELDS = shipped_catalog().pagination.continuation_fields | {"NextToken"}
WORDS = frozenset({"page", "cursor", "offset", "NextToken"})


def _loop(code: str):  # type: ignore[no-untyped-def]
    module = cst.parse_module(textwrap.dedent(code))
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    loop = next(node for node in function.body.body if isinstance(node, (cst.While, cst.For)))
    return analyse_loop(loop, function, function.name.value, module, FIELDS, WORDS), module


def test_a_loop_without_a_page_request_is_not_a_page_loop() -> None:
    found, _ = _loop('''
    def poll(client):
        while True:
            if client.get(url).json()["done"]:
                return
    ''')
    assert found is None


def test_positions_in_keywords_params_kwargs_and_urls_are_page_requests() -> None:
    for call in ('get(url, page=page)', 'get(url, params={"page": page})', 'get(f"{url}?page={page}")',
                 'get(url, **kwargs)'):
        found, _ = _loop(f'''
        def f(url):
            kwargs = {{"page": page}}
            while True:
                out.extend({call})
        ''')
        assert found is not None, call
        [request] = found.requests
        assert request.passes_position and request.position_names, call
        assert not found.varies(request)


def test_a_continuation_field_read_makes_its_request_a_page_request() -> None:
    found, module = _loop('''
    def f(client):
        token = None
        while True:
            resp = client.list(Limit=10)
            items.extend(resp["Items"])
            token = resp.get("NextToken")
            if not token:
                break
    ''')
    [request] = found.requests
    assert request.fields_read == {"NextToken"} and "resp" in request.results
    assert found.token_names == {"token": "NextToken"}
    assert "items" in found.accumulators
    assert module.code_for_node(statement_of(found.node, request.call)).strip() == "resp = client.list(Limit=10)"
    [exit] = found.exits
    assert isinstance(exit.node, cst.Break) and module.code_for_node(exit.tests[0]) == "not token"


def test_what_moves_between_iterations() -> None:
    found, _ = _loop('''
    def f(url):
        page = 1
        while True:
            link = f"{url}?page={page}"
            data = get(link).json()
            nxt = data["next"]
            counter = counter + 1
    ''')
    assert {"data", "nxt", "counter"} <= found.changed
    assert "link" not in found.changed  # rebuilt from a page nothing updates


def test_except_clauses_and_their_exits() -> None:
    found, _ = _loop('''
    def f(url):
        page = 1
        while True:
            try:
                resp = get(url, page=page)
            except OSError:
                break
            page += 1
    ''')
    [(handler, _)] = found.handlers
    [exit] = found.exits
    assert exit.in_handler is handler and exit.tests == []
    assert found.varies(found.requests[0])
