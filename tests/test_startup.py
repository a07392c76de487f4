"""Start-up stays cheap: `import app` (every CLI command, every gunicorn worker) loads no heavy
library that only some commands or requests use; those import it where they use it."""
import json
import os
import subprocess
import sys

from tests.conftest import ROOT

# Each is imported by the code that uses it: Stripe's SDK (with the aiohttp and requests it probes
# for) on the first Stripe call, localstripe by `make run` and the tests, Sentry only with SENTRY_DSN,
# and the model and solver libraries of the floors to come by their training, scoring and solving.
LAZY = ("stripe", "aiohttp", "requests", "localstripe", "sentry_sdk",
        "lightgbm", "sklearn", "pandas", "dask", "pyvrp", "ortools")


def _modules_after(code: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SENTRY_DSN", "STRIPE_API_KEY")}
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_app_loads_no_heavy_library_it_does_not_need_yet():
    loaded = _modules_after("import app")
    assert not loaded & set(LAZY), sorted(loaded & set(LAZY))


def test_creating_the_app_without_sentry_or_stripe_loads_neither(tmp_path):
    loaded = _modules_after(f"import app\napp.create_app({{'INSTANCE_PATH': {str(tmp_path)!r}}})")
    assert not loaded & set(LAZY), sorted(loaded & set(LAZY))
