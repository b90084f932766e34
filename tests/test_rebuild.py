"""A runner that has been following the log rebuilds to exactly what it had (no cached state
from before the rebuild is folded again)."""

from projections import queries
from webapp.demo import StoryClock, load_demo


def everything(views, group_id, as_of=None):
    return {"balance": queries.power_balance(views, group_id, as_of),
            "principles": queries.principles(views, group_id, as_of),
            "level": queries.level(views, group_id, as_of),
            "record": queries.shared_record(views, group_id, as_of=as_of, limit=500),
            "series": queries.series(views, group_id, as_of)}


def test_rebuild_by_a_live_runner_equals_what_it_had_followed(database_url, projected):
    clock = StoryClock()
    app, runner = projected(database_url, clock=clock)
    group_id = load_demo(app, clock).group_id
    runner.catch_up()
    live, at_100 = everything(runner.views, group_id), everything(runner.views, group_id, 100)
    assert runner.rebuild() == app.recorder.max_notification_id()
    assert everything(runner.views, group_id) == live
    assert everything(runner.views, group_id, 100) == at_100
