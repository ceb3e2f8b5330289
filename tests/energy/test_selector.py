import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon_kepler.core.errors import InputError
from carbon_kepler.energy.selector import Selector, namespace, object_name, promql_label_value


@pytest.mark.parametrize(
    "hostile",
    ['a"} or vector(1)', 'ai-team"}', "A", "-x", "x" * 64, "ns with space", "", "a\nb", "0\n", "ai-team\n"],
)
def test_hostile_namespaces_are_refused_before_any_query(hostile: str) -> None:
    with pytest.raises(InputError, match="not a valid Kubernetes namespace"):
        Selector(namespace=hostile)


def test_a_trailing_newline_is_refused_for_object_names_too() -> None:
    # found by the property test below: `$` also matches before a final newline
    with pytest.raises(InputError):
        object_name("web\n")


def test_valid_names_pass() -> None:
    assert namespace("ai-team") == "ai-team"
    assert object_name("web-7d9f8b6c5d-x2kq4") == "web-7d9f8b6c5d-x2kq4"
    assert object_name("etl.v2") == "etl.v2"


@given(st.text(max_size=80))
def test_anything_accepted_is_a_dns1123_name_without_promql_metacharacters(text: str) -> None:
    try:
        object_name(text)
    except InputError:
        return
    assert not set(text) & set('"{}()[]\\ \n=~!,')


@given(st.text(max_size=40))
def test_escaped_label_value_never_closes_the_string(text: str) -> None:
    escaped = promql_label_value(text)
    # every quote in the escaped text is preceded by an odd number of backslashes
    i = 0
    while i < len(escaped):
        if escaped[i] == "\\":
            i += 2
            continue
        assert escaped[i] not in '"\n'
        i += 1
