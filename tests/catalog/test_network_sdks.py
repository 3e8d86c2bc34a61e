"""The SDK families read from spotipy, scholarly, google-api-python-client, qdrant-client,
schwab-py and jira (rules/network_sdks.toml): which calls send, which classes they raise,
and which class catches what."""

from __future__ import annotations

import pytest

from assumption_lint.catalog import shipped_catalog


@pytest.mark.parametrize("caught, raised, expected", [
    ("spotipy.SpotifyException", "requests.ConnectionError", False),  # spotipy does not wrap it
    ("spotipy.exceptions.SpotifyBaseException", "spotipy.SpotifyOauthError", True),
    ("googleapiclient.errors.HttpError", "httplib2.ServerNotFoundError", False),
    ("OSError", "httplib2.ServerNotFoundError", False),  # a DNS failure is not an OSError here
    ("apiclient.errors.Error", "googleapiclient.errors.HttpError", True),
    ("qdrant_client.http.exceptions.ApiException", "qdrant_client.http.exceptions.ResponseHandlingException", True),
    ("qdrant_client.http.exceptions.UnexpectedResponse",
     "qdrant_client.http.exceptions.ResponseHandlingException", False),
    ("qdrant_client.http.exceptions.ApiException",
     "qdrant_client.common.client_exceptions.ResourceExhaustedResponse", False),
    ("jira.exceptions.JIRAError", "requests.ConnectionError", False),
    ("Exception", "scholarly.MaxTriesExceededException", True),
])
def test_sdk_exception_hierarchy(caught: str, raised: str, expected: bool) -> None:
    assert shipped_catalog().network.catches(caught, raised) is expected


@pytest.mark.parametrize("call, receiver, family", [
    ("spotipy.Spotify.track", "spotipy.Spotify", "spotipy"),
    ("scholarly.scholarly.search_single_pub", None, "scholarly"),
    ("googleapiclient.discovery.Resource.execute", "googleapiclient.discovery.Resource", "googleapiclient"),
    ("qdrant_client.QdrantClient.upsert", "qdrant_client.QdrantClient", "qdrant"),
    ("qdrant_client.AsyncQdrantClient.query_points", "qdrant_client.AsyncQdrantClient", "qdrant"),
    ("schwab.client.Client.get_quote", "schwab.client.Client", "schwab"),
    ("jira.JIRA.search_issues", "jira.JIRA", "jira"),
    ("jira.JIRA", None, "jira"),  # the constructor fetches serverInfo
])
def test_sdk_calls_that_send(call: str, receiver: str | None, family: str) -> None:
    found = shipped_catalog().network.family(call, receiver)
    assert found is not None and found.name == family


@pytest.mark.parametrize("call, receiver", [
    ("spotipy.Spotify.set_auth", "spotipy.Spotify"),            # a setting
    ("scholarly.scholarly.search_author", None),                # a generator: fetches on next()
    ("googleapiclient.discovery.Resource.list", "googleapiclient.discovery.Resource"),  # builds a request
    ("qdrant_client.QdrantClient.create_payload_index", "qdrant_client.QdrantClient"),  # idempotent setup
    ("qdrant_client.QdrantClient.get_collection", "qdrant_client.QdrantClient"),
    ("schwab.client.Client.set_timeout", "schwab.client.Client"),
])
def test_sdk_calls_that_do_not_send_or_are_left_out(call: str, receiver: str | None) -> None:
    assert shipped_catalog().network.family(call, receiver) is None


def test_service_objects_chain_to_a_request_object() -> None:
    catalog = shipped_catalog()
    for made_by in ("googleapiclient.discovery.build", "googleapiclient.discovery.Resource.files"):
        client = catalog.client(made_by)
        assert client is not None and client.type == "googleapiclient.discovery.Resource"


def test_local_qdrant_is_not_a_network_client() -> None:
    client = shipped_catalog().client("qdrant_client.QdrantClient")
    assert client is not None
    assert {keyword for keyword, _, _ in client.excludes} == {"location", "path"}


def test_schwab_replies_are_responses_whose_status_is_the_callers() -> None:
    family = shipped_catalog().network.family("schwab.client.Client.get_quote", "schwab.client.Client")
    assert family is not None and family.response == "schwab"
    assert "raise_for_status" in shipped_catalog().network.responses["schwab"].status_methods


@pytest.mark.parametrize("sdk", ["spotipy", "scholarly", "google-api-python-client", "qdrant-client",
                                 "schwab-py", "jira"])
def test_each_sdk_is_listed_with_its_source(sdk: str) -> None:
    listed = {entry.sdk: entry for entry in shipped_catalog().network.sdks}
    assert sdk in listed
    assert " wheel: " in listed[sdk].evidence
