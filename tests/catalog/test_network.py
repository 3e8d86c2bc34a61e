"""The network tables of the catalog: exception hierarchy, network families, entry points and
spawners, and the errors a bad table gives."""

from __future__ import annotations

import pytest

from assumption_lint.catalog import Catalog, CatalogError, load_text, shipped_catalog


@pytest.mark.parametrize("caught, raised, expected", [
    ("OSError", "requests.ConnectTimeout", True),       # requests.RequestException is an OSError
    ("requests.exceptions.Timeout", "requests.ConnectTimeout", True),  # alias, and both bases
    ("requests.ConnectionError", "requests.ReadTimeout", False),
    ("ConnectionError", "requests.ConnectionError", False),  # the builtin is not a base
    ("OSError", "httpx.ConnectError", False),            # httpx errors are not OSError
    ("httpx.RequestError", "httpx.ReadTimeout", True),
    ("httpx.RequestError", "httpx.HTTPStatusError", False),
    ("aiohttp.ClientError", "TimeoutError", False),      # a total timeout is not a ClientError
    ("asyncio.TimeoutError", "aiohttp.ServerTimeoutError", True),
    ("botocore.exceptions.BotoCoreError", "botocore.exceptions.ClientError", False),
    ("OSError", "botocore.exceptions.ReadTimeoutError", True),
    ("OSError", "urllib3.exceptions.MaxRetryError", False),
    ("OSError", "urllib.error.HTTPError", True),
    ("Exception", "asyncio.CancelledError", False),
])
def test_exception_hierarchy(caught: str, raised: str, expected: bool) -> None:
    assert shipped_catalog().network.catches(caught, raised) is expected


def test_network_calls_resolve_by_name_and_by_client_wildcard() -> None:
    knowledge = shipped_catalog().network
    assert knowledge.family("requests.Session.post").library == "requests"
    assert knowledge.family("botocore.client.BaseClient.upload_file", "botocore.client.BaseClient").library == "boto3"
    # Local helpers of a client make no request.
    assert knowledge.family("botocore.client.BaseClient.generate_presigned_url", "botocore.client.BaseClient") is None
    assert knowledge.family("urllib.request.urlopen").response is None  # raises on an error status


def test_every_network_family_names_known_exceptions_and_responses() -> None:
    knowledge = shipped_catalog().network
    for family in set(knowledge.calls.values()):
        for name in family.errors + family.root:
            assert knowledge.known(name), (family.library, name)
        assert family.response is None or family.response in knowledge.responses


@pytest.mark.parametrize("text, message", [
    ('[[exception]]\nname = "a.B"\nbases = ["a.Missing"]\n', "base 'a.Missing' of a.B is not defined before it"),
    ('[[exception]]\nname = "a.B"\nparents = []\n', "unknown key 'parents'"),
    ('[[network]]\nlibrary = "x"\ncalls = ["x.get"]\nerrors = ["x.Error"]\nroot = ["x.Error"]\nfix = "f"\n',
     "exception 'x.Error' is not defined"),
    ('[[exception]]\nname = "Exception"\n[[network]]\nlibrary = "x"\ncalls = ["x.get"]\nerrors = ["Exception"]\n'
     'root = ["Exception"]\nresponse = "nope"\nfix = "f"\n', "response kind 'nope' is not defined"),
    ('[[network]]\nlibrary = "x"\ncalls = ["x.get"]\nerrors = []\nroot = []\nmethod = "verb"\nfix = "f"\n',
     "key 'method' must be one of"),
    ('[[spawner]]\nlabel = "t"\neffect = "e"\ncalls = ["x.run"]\n', "give 'keyword' or 'position'"),
    ('[[entry-point]]\nlabel = "x"\neffect = "e"\nweb = "yes"\n', "key 'web' has a bad value"),
    ('[[exception]]\nname = "Exception"\n[[network]]\nlibrary = "x"\ncalls = ["x.get"]\nerrors = ["Exception"]\n'
     'root = ["Exception"]\ntimeout-errors = ["TimeoutError"]\nfix = "f"\n',
     "key 'timeout-errors' names 'TimeoutError', which is not in 'errors'"),
])
def test_catalog_errors_name_the_file_and_key(text: str, message: str) -> None:
    with pytest.raises(CatalogError) as raised:
        load_text(Catalog(), text, "custom.toml")
    assert message in str(raised.value)
    assert "custom.toml" in str(raised.value)


def test_network_module_roots_make_files_relevant() -> None:
    # A file that only imports aiohttp must be parsed even without a timeout entry for it.
    assert {"requests", "httpx", "aiohttp", "urllib", "urllib3", "botocore"} <= shipped_catalog().module_roots()
