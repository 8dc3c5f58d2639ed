"""angles_in_range turns AlmaCAM angle ranges into discrete solver orientations."""

import pytest

from nestflow.nesting import angles_in_range


def test_free_rotation_range_gives_the_four_axis_angles():
    assert angles_in_range(0, 359.9) == [0.0, 90.0, 180.0, 270.0]


def test_range_ends_are_kept_when_not_on_the_step():
    assert angles_in_range(10, 200) == [10.0, 90.0, 180.0, 200.0]


def test_single_angle_range_gives_that_angle():
    assert angles_in_range(45, 45) == [45.0]


def test_finer_step_samples_more_angles():
    assert angles_in_range(0, 359.9, step=45) == [
        0.0,
        45.0,
        90.0,
        135.0,
        180.0,
        225.0,
        270.0,
        315.0,
    ]


def test_reversed_range_is_an_error():
    with pytest.raises(ValueError, match="greater than max_angle"):
        angles_in_range(90, 10)
