"""Large hot-route bodies decoded in another process (app.http.offload): the event loop keeps
running while a real /predict body of several megabytes is parsed, and the domain errors come
back with their field."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import orjson
import pytest

from app.api.predict import decode_predict
from app.errors import InvalidInput
from app.http.offload import ProcessDecoder


@pytest.fixture(scope="module")
def decoder():
    decoder = ProcessDecoder()
    yield decoder
    decoder.close()


def big_body() -> tuple[bytes, np.ndarray]:
    windows = np.random.default_rng(0).normal(size=(1024, 192, 3)).round(4)
    return orjson.dumps({"model": "demand", "inputs": windows.tolist()}), windows


async def worst_stall_while(work) -> tuple[object, float]:
    """The longest the loop went without running a 1 ms sleep while `work` ran."""
    done = asyncio.Event()
    worst = 0.0

    async def probe() -> None:
        nonlocal worst
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - start - 0.001)

    task = asyncio.create_task(probe())
    try:
        return await work, worst
    finally:
        done.set()
        await task


def test_a_large_body_is_decoded_without_stalling_the_loop(decoder):
    body, windows = big_body()

    async def main():
        await decoder(decode_predict, b'{"model": "m", "inputs": [[1]]}', {}, {})  # started
        return await worst_stall_while(decoder(decode_predict, body, {}, {}))

    call, worst = asyncio.run(main())
    np.testing.assert_allclose(call.inputs, windows.astype(np.float32))
    # inline, this parse stalls the loop for ~200-300 ms on this machine (app.http.offload)
    print(f"worst loop stall {worst * 1000:.1f} ms")
    assert worst < 0.05, f"the loop stalled {worst * 1000:.0f} ms"


def test_errors_come_back_from_the_process_with_their_field(decoder):
    body = orjson.dumps({"model": "m", "inputs": [[["1", 2.0]] * 50_000]})
    with pytest.raises(InvalidInput) as raised:
        asyncio.run(decoder(decode_predict, body, {}, {}))
    assert raised.value.loc == ("body", "inputs", 0, 0, 0)
    assert raised.value.status_code == 422
