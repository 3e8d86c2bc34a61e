"""The wait tables of the catalog (commands, deadlines, worker entries, blocking waits): key
validation names file and key."""

from __future__ import annotations

import pytest

from assumption_lint.catalog import Catalog, CatalogError, load_text


@pytest.mark.parametrize("text, problem", [
    ('[[command]]\nprograms = ["sh"]\nrole = "shell"\n', r"command\[0\]: role 'shell' needs key 'option'"),
    ('[[command]]\nprograms = ["x"]\nrole = "remote"\n', r"command\[0\]: key 'role' must be one of"),
    ('[[deadline]]\nnames = ["x.y"]\nlibrary = "x"\n', r"deadline\[0\]: missing key 'keyword'"),
    ('[[worker-entry]]\nnames = ["x.y"]\nlibrary = "x"\n', r"worker-entry\[0\]: needs 'keyword'"),
    ('[[api]]\nnames = ["x.y"]\nlibrary = "x"\nkind = "blocking-wait"\n[api.wait]\nfix = "f"\nwhen = 1\n',
     r"api\[0\]\.wait: unknown key 'when'"),
    ('[[api]]\nnames = ["x.y"]\nlibrary = "x"\nkind = "blocking-wait"\n[api.wait]\nposition = 0\nfix = "f"\n',
     r"api\[0\]\.wait: key 'position' needs a 'keyword'"),
    ('[[client]]\nconstructors = ["x.y"]\ntype = "x.Y"\nlibrary = "x"\nunpacks = "x.A"\n',
     r"client\[0\]: key 'unpacks' has a bad value"),
    ('[[command]]\nprograms = ["sudo"]\nrole = "wrapper"\nbounded-by = ["-T"]\n',
     r"command\[0\]: key 'bounded-by' is only meaningful with role 'network'"),
    ('[[api]]\nnames = ["x.y"]\nlibrary = "x"\nkind = "blocking-wait"\n[api.wait]\nfix = "f"\nwork-queue = "yes"\n',
     r"api\[0\]\.wait: key 'work-queue'"),
])
def test_catalog_schema_errors_name_file_and_key(text: str, problem: str) -> None:
    with pytest.raises(CatalogError, match=r"^mine\.toml: " + problem):
        load_text(Catalog(), text, "mine.toml")
