import pytest
from airbyte_cdk.models import FailureType

from cdr_shared.secrets import register_secret
from source_casper.input_controls import (
    ControlObject,
    InputControlsShapeError,
    parse_input_controls,
    shape_error,
)

NESTED = [
    {
        "groupId": 111,
        "groupName": "Sales",
        "children": [{"objId": 1111, "objName": "DTE"}, {"objId": 2222, "objName": "IT TFN"}],
    },
    {"groupId": None, "groupName": None, "children": [{"objId": 3333, "objName": "Ungrouped line"}]},
]
EXPECTED = (
    ControlObject(1111, "DTE", 111, "Sales"),
    ControlObject(2222, "IT TFN", 111, "Sales"),
    ControlObject(3333, "Ungrouped line", None, None),
)


@pytest.mark.parametrize(
    "body",
    [
        NESTED,
        {"CLOUD_PROFILE": NESTED},
        {"groups": NESTED},
        {"CLOUD_PROFILE": {"groups": NESTED}},
        [
            {"objId": 1111, "objName": "DTE", "groupId": 111, "groupName": "Sales"},
            {"objId": "2222", "objName": "IT TFN", "groupId": "111", "groupName": "Sales"},
            {"objId": 3333, "objName": "Ungrouped line", "groupId": None, "groupName": None},
        ],
    ],
    ids=["groups", "keyed-by-product", "under-groups", "keyed-then-groups", "flat-objects"],
)
def test_known_shapes_give_every_object_and_every_group_including_the_null_group(body):
    controls = parse_input_controls(body, "CLOUD_PROFILE")
    assert controls.objects == EXPECTED
    assert controls.group_ids == (111, None)


def test_an_empty_answer_means_no_objects():
    controls = parse_input_controls([], "CLOUD_PROFILE")
    assert controls.objects == () and controls.group_ids == ()


def test_a_group_without_children_still_counts_as_a_group():
    controls = parse_input_controls(
        [{"groupId": 5, "groupName": "Empty", "children": []}], "CLOUD_DESTINATION"
    )
    assert controls.group_ids == (5,) and controls.objects == ()


@pytest.mark.parametrize(
    "body",
    [
        {"result": {"items": [{"id": 1, "label": "DTE"}]}},
        [{"id": 1, "label": "DTE"}],
        [{"groupId": 1, "children": {"objId": 2}}],
        [{"groupId": 1, "children": [{"id": 2}]}],
        [{"groupId": "sales", "children": []}],
        "CLOUD_PROFILE",
    ],
)
def test_an_unknown_shape_is_refused_with_its_structure_rather_than_guessed(body):
    with pytest.raises(InputControlsShapeError):
        parse_input_controls(body, "CLOUD_PROFILE")


def test_the_shape_error_shows_keys_and_types_but_no_values_and_no_secrets():
    register_secret("tok-secret-123")
    body = {"result": {"items": [{"id": 1, "label": "Top secret label"}], "tok-secret-123": True}}
    with pytest.raises(InputControlsShapeError) as raised:
        parse_input_controls(body, "CLOUD_PROFILE")
    error = shape_error("15300001", "CLOUD_PROFILE", raised.value)
    assert error.failure_type == FailureType.system_error
    assert '"items":[{"id":"int","label":"str"}]' in error.message
    assert "Top secret label" not in error.message and "tok-secret-123" not in error.message
    assert "15300001" in error.message and "'group_ids' and 'object_ids'" in error.message
