"""Helpers shared by the endpoint matrices and bad-input tests."""


def fill(value, ids: dict, *, as_id: bool = False):
    """Fills "{name}" placeholders of a URL or body from `ids`; body fields named `*_id` (and the
    items of `*_ids`) become integers."""
    if isinstance(value, str):
        filled = value.format(**ids) if "{" in value else value
        return int(filled) if as_id and filled.isdigit() else filled
    if isinstance(value, dict):
        return {k: fill(v, ids, as_id=k.endswith(("_id", "_ids"))) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids, as_id=as_id) for v in value]
    return value


def assert_invalid(response, field: str | None = None) -> None:
    """A 422 validation problem (RFC 9457), naming `field` among its per-field errors."""
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 422
    if field:
        assert field in response.json["errors"], response.json


def fire_together(app, requests):
    """Sends every (url, body, user) POST, or (method, url, body, user) request, at once, each from
    its own client and transaction, released together by a barrier; returns the responses in order."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import bearer

    barrier = threading.Barrier(len(requests))

    def send(request):
        method, url, body, user = request if len(request) == 4 else ("POST", *request)
        client = app.test_client()
        barrier.wait()
        return client.open(url, method=method, json=body, headers=bearer(user.id))

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))
