"""The suite's own promises: storms of parallel transactions never run on two xdist workers at once."""


def test_tests_of_concurrent_transactions_share_one_xdist_group(request, committed):
    mark = request.node.get_closest_marker("xdist_group")
    assert mark is not None and mark.args == ("concurrency",)


def test_other_tests_are_spread_freely(request, connection):
    assert request.node.get_closest_marker("xdist_group") is None

