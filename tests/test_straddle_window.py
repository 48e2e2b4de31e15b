"""The query-time window of ``bench/straddle.py``: consecutive sentences around a centre,
never longer than the bound, grown as far as the bound allows (random sentence lengths)."""

from __future__ import annotations

import random

import pytest

from bench.straddle import Sent, window


@pytest.mark.parametrize("seed", range(20))
def test_window_is_maximal_and_bounded(seed: int) -> None:
    rng = random.Random(seed)
    sents = [
        Sent(i, i // 3, "w " * (n := rng.randint(3, 60)), n) for i in range(rng.randint(1, 30))
    ]
    bound = rng.randint(60, 200)
    for centre in range(len(sents)):
        a, b = window(sents, centre, bound)
        words = sum(s.words for s in sents[a:b])
        assert a <= centre < b
        assert words <= bound or b - a == 1  # a lone over-long sentence is kept whole
        # maximal: neither neighbour would still fit
        if a > 0:
            assert words + sents[a - 1].words > bound
        if b < len(sents):
            assert words + sents[b].words > bound
