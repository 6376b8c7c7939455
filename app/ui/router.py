"""The web UI at /ui: server-rendered page shells whose JavaScript reads and writes through the
JSON API itself, with the user's API key.

There is deliberately no second data path: a page holds no data of its own, so what the UI shows
is what the API returns, and a form gets the same validation (422 naming the field) and the same
auth (401/403) as any other client. The pages are left out of the OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.http.paths import ModelName, RecordId

HERE = Path(__file__).parent
STATIC_PATH = "/ui/static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/ui", include_in_schema=False)

NAV = (("jobs", "Jobs"), ("models", "Models"), ("datasets", "Datasets"))


def page(request: Request, template: str, section: str, **context: object) -> HTMLResponse:
    """One page shell. `base` is the mount prefix (root_path), so links and API calls keep
    working behind a reverse proxy that serves the API under a path."""
    base = request.scope.get("root_path", "").rstrip("/")
    return templates.TemplateResponse(
        request,
        template,
        {"base": base, "static": base + STATIC_PATH, "nav": NAV, "section": section, **context},
    )


@router.get("")
def index(request: Request) -> RedirectResponse:
    return RedirectResponse(request.scope.get("root_path", "").rstrip("/") + "/ui/jobs")


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request) -> HTMLResponse:
    return page(request, "jobs.html", "jobs", title="Jobs")


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request) -> HTMLResponse:
    return page(request, "models.html", "models", title="Models")


@router.get("/models/{name}", response_class=HTMLResponse)
def model_page(request: Request, name: ModelName) -> HTMLResponse:
    return page(request, "model.html", "models", title=name, model_name=name)


@router.get("/datasets", response_class=HTMLResponse)
def datasets_page(request: Request) -> HTMLResponse:
    return page(request, "datasets.html", "datasets", title="Datasets")


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(request: Request, dataset_id: RecordId) -> HTMLResponse:
    return page(request, "dataset.html", "datasets", title="Dataset", dataset_id=dataset_id)


def install_ui(app: FastAPI) -> None:
    """Mount the pages and their static assets (our JS/CSS and the vendored uPlot)."""
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=HERE / "static"), name="ui-static")
