"""Dispatch without a database: batching by store and building, pickups before drops, the solver for
long routes, and the distance against the greedy nearest-courier baseline."""
import random

from logistics import dispatch
from logistics.dispatch import CourierState, OpenTask

STORE, OTHER_STORE = (31.1880, 121.4370), (31.1950, 121.4450)


def _near(point, metres_north=0.0, metres_east=0.0):
    return (point[0] + metres_north / 111_000, point[1] + metres_east / 95_000)


def test_tasks_from_one_store_batch_onto_one_courier():
    tasks = [OpenTask(i, STORE, _near(STORE, 300 + 20 * i, 100), 1_800 + i) for i in range(3)]
    couriers = [CourierState(1, _near(STORE, 50), capacity=3), CourierState(2, _near(STORE, 60), capacity=3)]
    placed = dispatch.assign(tasks, couriers)
    assert len(set(placed.values())) == 1 and len(placed) == 3


def test_a_courier_who_declined_a_task_or_is_full_is_not_given_it():
    task = OpenTask(7, STORE, _near(STORE, 200), 900)
    near = CourierState(1, STORE, capacity=2, declined={7})
    full = CourierState(2, STORE, capacity=1, tasks=[OpenTask(8, STORE, STORE, 60)])
    far = CourierState(3, _near(STORE, 2_000), capacity=2)
    assert dispatch.assign([task], [near, full, far]) == {7: 3}


def _valid(stops, picked_up=()):
    seen = set(picked_up)
    for stop in stops:
        if stop.kind == "pickup":
            seen.add(stop.task_id)
        else:
            assert stop.task_id in seen, stops
    return True


def test_stops_are_ordered_pickup_before_drop_with_growing_arrival_times():
    courier = CourierState(1, STORE, capacity=3, tasks=[
        OpenTask(1, OTHER_STORE, _near(OTHER_STORE, 100), 1_000), OpenTask(2, STORE, _near(STORE, 150), 1_000)],
        picked_up=set())
    stops = dispatch.order_stops(courier)
    assert len(stops) == 4 and _valid(stops)
    assert [s.arrives_in for s in stops] == sorted(s.arrives_in for s in stops)
    assert stops[0].task_id == 2  # the store it stands at first


def test_long_routes_go_to_the_solver_and_stay_valid_and_no_longer_than_the_given_order():
    rng = random.Random(3)
    tasks = [OpenTask(i, _near(STORE, rng.uniform(-300, 300), rng.uniform(-300, 300)),
                      _near(STORE, rng.uniform(-600, 600), rng.uniform(-600, 600)), 3_600) for i in range(5)]
    courier = CourierState(1, STORE, capacity=5, tasks=tasks, picked_up={0})
    stops = dispatch.order_stops(courier)
    assert len(stops) == 9 and _valid(stops, picked_up={0})
    naive = dispatch.route_length(STORE, dispatch._stops_of(courier), dispatch.detour_distance)
    solved = dispatch.route_length(STORE, [(s.task_id, s.kind, s.at) for s in stops], dispatch.detour_distance)
    assert solved <= naive + 1e-6


def test_dispatch_drives_less_than_the_greedy_nearest_courier_baseline():
    rng = random.Random(5)
    stores = [_near(STORE, rng.uniform(-800, 800), rng.uniform(-800, 800)) for _ in range(5)]
    tasks = [OpenTask(i, rng.choice(stores), _near(STORE, rng.uniform(-900, 900), rng.uniform(-900, 900)),
                      rng.uniform(600, 3_600)) for i in range(60)]

    def fleet():
        return [CourierState(c, _near(STORE, rng2.uniform(-900, 900), rng2.uniform(-900, 900)), capacity=6)
                for c in range(10)]

    rng2 = random.Random(9)
    baseline = dispatch.greedy_nearest(tasks, fleet())
    rng2 = random.Random(9)
    couriers = fleet()
    placed = dispatch.assign(tasks, couriers)
    assert len(placed) == 60
    driven = sum(dispatch.route_length(c.at, [(s.task_id, s.kind, s.at) for s in dispatch.order_stops(c)],
                                       dispatch.detour_distance) for c in couriers)
    assert driven < baseline, (driven, baseline)


def _osrm_server(distance):
    """A stand-in OSRM answering the Table service over HTTP on loopback with `distance(a, b)`."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path, _, query = self.path.partition("?")
            seen.append(query)
            coordinates = path.split("/")[-1].split(";")
            points = [(float(c.split(",")[1]), float(c.split(",")[0])) for c in coordinates]
            body = json.dumps({"code": "Ok", "distances": [[distance(a, b) for b in points] for a in points]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def test_road_distances_from_osrm_decide_who_is_nearer():
    east = _near(STORE, 0, 400)  # across the river: near in a straight line, far by road
    west = _near(STORE, 0, -700)
    task = OpenTask(1, STORE, _near(STORE, 100), 900)

    def by_road(a, b):
        crossing = (a[1] > STORE[1] + 0.001) != (b[1] > STORE[1] + 0.001)
        return dispatch.great_circle(a, b) * (10 if crossing else 1)

    server, seen = _osrm_server(by_road)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        roads = dispatch.OsrmTable(base, [east, west, task.pickup, task.drop])
        couriers = [CourierState(1, east, capacity=2), CourierState(2, west, capacity=2)]
        assert dispatch.assign([task], couriers) == {1: 1}  # by the straight line
        couriers = [CourierState(1, east, capacity=2), CourierState(2, west, capacity=2)]
        assert dispatch.assign([task], couriers, roads) == {1: 2}  # by road
        assert len(seen) == 1 and seen[0] == "annotations=distance"  # one table for the round
    finally:
        server.shutdown()
    unreachable = dispatch.OsrmTable(base, [east, west])  # the server is gone: great-circle instead
    assert unreachable(east, west) == dispatch.detour_distance(east, west)
