"""One contract over every engine of `ENGINES`: what any engine must do with its own documents.

Per engine: its sample (tests/engine_samples.py) interprets to a Summary that renders; every real
capture of it in ../shared does too; each row of its malformed-document table
(tests/engine_cases/<engine>.py) is an InvalidPayload with the exact message; and whatever bytes
arrive, interpretation ends in a Summary or a typed error (FetchError "invalid_json" or
InvalidPayload), never another exception. Engine-specific behaviour lives in test_engine_<name>.py.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporter.engines import ENGINES, Body
from exporter.errors import FetchError, InvalidPayload
from exporter.model import Summary
from tests import engine_samples
from tests.engine_cases import case_module, encode, sample_documents
from tests.json_strategies import ANY_JSON, nearly, render

ENGINE_NAMES = sorted(ENGINES)
CAPTURES = [(engine, files) for engine in ENGINE_NAMES for files in engine_samples.SHARED_CAPTURES.get(engine, ())]
MALFORMED = [
    pytest.param(engine, bodies, message, id=f"{engine}-{index}")
    for engine in ENGINE_NAMES
    for index, (bodies, message) in enumerate(getattr(case_module(engine), "MALFORMED", ()))
]


def interpret(engine: str, contents: list[bytes]) -> Summary:
    return ENGINES[engine].interpret([Body(content, "") for content in contents])


def assert_summary_or_typed_error(engine: str, contents: list[bytes]) -> None:
    """A Summary that renders with unique component ids, or the typed error; nothing else."""
    try:
        summary = interpret(engine, contents)
    except InvalidPayload:
        return
    except FetchError as err:
        assert err.reason == "invalid_json", err
        return
    assert isinstance(summary, Summary)
    render(summary)
    assert len({c.id for c in summary.components}) == len(summary.components)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_every_engine_has_a_sample_captures_and_a_malformed_table(engine):
    assert engine in engine_samples.SAMPLES
    assert engine_samples.SHARED_CAPTURES.get(engine), f"no real capture of {engine} listed"
    assert len(case_module(engine).MALFORMED) >= 5, f"{engine}'s malformed-document table is too small"


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_the_sample_is_one_document_per_endpoint_and_a_summary_that_renders(engine):
    sample = engine_samples.SAMPLES[engine]
    assert len(sample.files) == endpoint_count(engine)
    summary = ENGINES[engine].interpret(sample.bodies())
    assert isinstance(summary, Summary)
    assert render(summary).count("\n") > 10


@pytest.mark.parametrize(("engine", "files"), CAPTURES, ids=lambda v: v if isinstance(v, str) else "+".join(v))
def test_every_real_capture_is_a_summary_that_renders(engine, files):
    summary = ENGINES[engine].interpret(engine_samples.shared_bodies(files))
    assert isinstance(summary, Summary)
    render(summary)


@pytest.mark.parametrize(("engine", "bodies", "message"), MALFORMED)
def test_malformed_documents_name_what_is_wrong(engine, bodies, message):
    with pytest.raises(InvalidPayload) as caught:
        interpret(engine, bodies)
    assert str(caught.value) == message


@pytest.mark.parametrize("content", [b"<html><body>Service Unavailable</body></html>", b'{"status": ['])
@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_an_error_page_or_a_cut_document_is_a_typed_error(engine, content):
    """A JSON engine calls it `invalid_json`; an engine of another format (`FORMAT`) may find it
    well-formed but of the wrong shape."""
    with pytest.raises((FetchError, InvalidPayload)) as caught:
        interpret(engine, [content] * endpoint_count(engine))
    if getattr(case_module(engine), "FORMAT", "json") == "json":
        assert isinstance(caught.value, FetchError)
    if isinstance(caught.value, FetchError):
        assert caught.value.reason == "invalid_json"


def endpoint_count(engine: str) -> int:
    """How many documents the engine reads for its sample's page."""
    return len(ENGINES[engine].endpoints(engine_samples.SAMPLES[engine].page_url()))


def _bodies(engine: str, strategy: st.SearchStrategy) -> st.SearchStrategy:
    count = endpoint_count(engine)
    return st.lists(strategy, min_size=count, max_size=count)


def _nearly(engine: str) -> st.SearchStrategy:
    own = getattr(case_module(engine), "NEARLY", None)
    if own is not None:
        return own
    return nearly(sample_documents(engine)).map(encode)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_bytes_are_a_summary_or_a_typed_error(engine, data):
    assert_summary_or_typed_error(engine, data.draw(_bodies(engine, st.binary(max_size=200))))


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_json_is_a_summary_or_a_typed_error(engine, data):
    assert_summary_or_typed_error(engine, encode(data.draw(_bodies(engine, ANY_JSON))))


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_nearly_right_documents_are_a_summary_or_a_typed_error(engine, data):
    assert_summary_or_typed_error(engine, data.draw(_nearly(engine)))
