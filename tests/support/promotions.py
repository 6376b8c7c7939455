"""A daily series whose target responds to a known-in-advance promotion flag and price (issue 15):
what a model can forecast well only when it is given those values over the horizon."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

COLUMNS = ["sales", "promotion", "price"]
PROMOTION_LIFT = 15.0
PRICE_SLOPE = -4.0


def promotion_series(n: int = 400, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """(values [n, 3] in COLUMNS order, one ISO date per row).

    sales = 20 + a weekly cycle + PROMOTION_LIFT on promotion days + PRICE_SLOPE per unit of
    price above 10 + noise. Promotions fall on random days (a fifth of them) and the price
    changes to a random level every week: neither can be read from the past, so only a model
    that is given them for the forecast's own days can forecast their effect.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    promotion = (rng.random(n) < 0.2).astype(np.float64)
    price = np.repeat(rng.uniform(8.0, 12.0, n // 7 + 1), 7)[:n]
    weekly = 3.0 * np.sin(2 * np.pi * t / 7)
    noise = rng.normal(0.0, 0.5, n)
    sales = 20.0 + weekly + PROMOTION_LIFT * promotion + PRICE_SLOPE * (price - 10.0) + noise
    start = date(2024, 1, 1)
    timestamps = [(start + timedelta(days=int(i))).isoformat() for i in t]
    return np.stack([sales, promotion, price], axis=1), timestamps
