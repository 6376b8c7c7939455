from __future__ import annotations

from fastapi import APIRouter

from app.db import SessionDep
from app.deps import SessionCacheDep
from app.inference import service
from app.inference.schemas import PredictRequest, PredictResponse

router = APIRouter(tags=["inference"])


@router.post("/predict", response_model=PredictResponse, operation_id="predict", summary="Forecast")
def predict(body: PredictRequest, session: SessionDep, cache: SessionCacheDep) -> PredictResponse:
    """A sync route: FastAPI runs it in its thread pool, so onnxruntime never blocks the loop."""
    return service.predict(session, cache, body)
