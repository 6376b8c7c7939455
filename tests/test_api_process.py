"""The gateway's promises about its own process."""

import subprocess
import sys


def test_api_never_imports_torch(tmp_path):
    code = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from app.config import Settings\n"
        "from app.main import create_app\n"
        f"app = create_app(Settings(data_dir={str(tmp_path)!r}))\n"
        "app.openapi()\n"
        "with TestClient(app, base_url='http://127.0.0.1') as c:\n"
        "    assert c.get('/healthz').status_code == 200\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'workers'))\n"
        "print(leaked)\n"
        "sys.exit(1 if leaked else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_openapi_has_clean_operation_ids(client):
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert "train" in ids and "predict" in ids and "create_dataset" in ids
    assert not [i for i in ids if i.endswith(("_post", "_get", "_put", "_delete"))]
    upload = spec["paths"]["/datasets"]["post"]["requestBody"]["content"]
    assert set(upload) == {"application/json", "multipart/form-data"}


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_worker_never_imports_fastapi():
    """The worker loads the Celery app, its tasks and the training code, and with them the
    domain errors and the contract: none of that may pull in the web framework."""
    code = (
        "import sys\n"
        "import workers.celery_app, workers.runner, workers.backtest, workers.auto\n"
        "import workers.forecast.job, workers.forecast.tasks\n"
        "import app.errors, app.contract, app.artifacts\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette'))\n"
        "print(leaked)\n"
        "sys.exit(1 if leaked else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
