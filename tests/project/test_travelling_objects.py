"""Objects of project classes, and the clients they keep on self, followed into other files
(AL201 at the view that calls them). The fixture project erp_gateway shows each shape once;
these cases pin the edges: how an annotation is spelled, what an object stored on self
stops being, and which clients an object of another file's class carries."""

from __future__ import annotations

from pathlib import Path

from tests.project.test_project_robustness import alint_json, found, line_of, write

SERVICE = '''import requests


class Service:
    def __init__(self):
        self.http = requests.Session()
        self.spare = None

    def fetch(self, key):
        resp = self.http.get("https://example.com/" + key, timeout=5)
        resp.raise_for_status()
        return resp.json()


class Other:
    def fetch(self, key):
        return key


service = Service()
'''


def view(body: str, imports: str = "from svc import Other, Service, service") -> str:
    return f'''from typing import Annotated, Optional

from fastapi import Depends, FastAPI

{imports}

app = FastAPI()


def get_service():
    return Service()


{body}'''


def findings_in(tmp_path: Path, body: str, imports: str = "from svc import Other, Service, service") -> set[int]:
    write(tmp_path, {"svc.py": SERVICE, "views.py": view(body, imports)})
    return {line for path, line, rule in found(alint_json(tmp_path)) if path == "views.py" and rule == "AL201"}


def test_annotations_spelled_each_way_hold_the_class(tmp_path: Path) -> None:
    body = '''@app.get("/a")
def a(svc: Optional[Service] = Depends(get_service)):
    return svc.fetch("a")  # optional


@app.get("/b")
def b(svc: Annotated[Service, Depends(get_service)]):
    return svc.fetch("b")  # annotated


@app.get("/c")
def c(svc: "Service | None" = None):
    return svc.fetch("c")  # a string annotation: not read


@app.get("/d")
def d(svc: Service | None = None):
    return svc.fetch("d")  # union
'''
    text = view(body)
    assert findings_in(tmp_path, body) == {line_of(text, "# optional"), line_of(text, "# annotated"),
                                           line_of(text, "# union")}


def test_a_class_whose_method_makes_no_request_tells_nothing(tmp_path: Path) -> None:
    body = '''@app.get("/a")
def a(other: Other = Depends(Other)):
    return other.fetch("a")


@app.get("/b")
def b():
    return Other().fetch("b")
'''
    assert findings_in(tmp_path, body) == set()


def test_an_object_stored_on_self_twice_as_different_classes_is_unknown(tmp_path: Path) -> None:
    body = '''class Controller:
    def __init__(self, flag):
        self.backend = Service()
        if flag:
            self.backend = Other()

    def show(self):
        return self.backend.fetch("x")


@app.get("/a")
def a():
    return Controller(True).show()
'''
    assert findings_in(tmp_path, body) == set()


def test_a_placeholder_none_on_self_does_not_hide_the_object(tmp_path: Path) -> None:
    controller = '''from svc import Service


class Controller:
    def __init__(self):
        self.backend = None
        self.backend = Service()

    def show(self):
        return self.backend.fetch("x")
'''
    body = '''@app.get("/a")
def a():
    return Controller().show()  # through self
'''
    text = view(body, "from ctl import Controller")
    write(tmp_path, {"svc.py": SERVICE, "ctl.py": controller, "views.py": text})
    assert found(alint_json(tmp_path)) == {("views.py", line_of(text, "# through self"), "AL201")}


def test_a_client_the_imported_object_keeps_on_self_is_the_catalogued_client(tmp_path: Path) -> None:
    body = '''@app.get("/a")
def a():
    return service.http.get("https://example.com/a", timeout=5).json()  # client of the object


@app.get("/b")
def b(svc: Service = Depends(get_service)):
    return svc.http.get("https://example.com/b", timeout=5).json()  # client of the parameter


@app.get("/c")
def c():
    return service.spare.get("https://example.com/c")  # a placeholder: no client
'''
    text = view(body)
    assert findings_in(tmp_path, body) == {line_of(text, "# client of the object"),
                                           line_of(text, "# client of the parameter")}


def test_isolated_runs_follow_no_object(tmp_path: Path) -> None:
    body = '''@app.get("/a")
def a():
    return service.fetch("a")
'''
    write(tmp_path, {"svc.py": SERVICE, "views.py": view(body)})
    assert [item for item in alint_json(tmp_path, "--isolated")["findings"] if item["path"] == "views.py"] == []
