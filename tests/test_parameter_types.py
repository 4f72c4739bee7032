"""Parameter types: a typed phrase matches only its type's phrases, hands the step their values, and reads by name."""

from support.families import family
from support.parameter_types import TRANSACTION_CONTROL, typed


def test_a_typed_field_matches_only_its_choices_and_converts_them():
    phrase = typed("a session has loaded {family:Parent} {parent_id:d}")
    assert phrase.parse_arguments("a session has loaded cart 1") == {"family": family("cart"), "parent_id": 1}
    assert not phrase.is_matching("a session has loaded basket 1")
    assert not phrase.is_matching("a session has loaded Cart 1")  # case-sensitive, as the features are written


def test_a_list_of_choices_or_the_word_for_none():
    phrase = typed("the transaction control it sent was {control:TransactionControl}")
    assert phrase.parse_arguments("the transaction control it sent was SAVEPOINT, ROLLBACK TO")["control"] == [
        "SAVEPOINT",
        "ROLLBACK TO",
    ]
    assert phrase.parse_arguments("the transaction control it sent was nothing")["control"] == []
    assert not phrase.is_matching("the transaction control it sent was SAVEPOINT, LOCK")
    assert TRANSACTION_CONTROL("BEGIN, COMMIT") == ["BEGIN", "COMMIT"]


def test_the_catalogue_reads_the_type_by_name():
    assert typed("the {operation:Operation} sent no SQL").name == "the {operation:Operation} sent no SQL"
