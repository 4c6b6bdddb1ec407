"""Token-budget batching over length-sorted inputs."""

import random

from mt.translate.batching import make_batches


def test_every_index_once_and_budget_kept():
    rng = random.Random(1)
    lengths = [rng.randint(1, 60) for _ in range(200)]
    batches = make_batches(lengths, 256)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for batch in batches:
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= 256


def test_longest_first_and_deterministic():
    lengths = [3, 10, 3, 7]
    assert make_batches(lengths, 20) == [[1, 3], [0, 2]]
    assert make_batches(lengths, 19) == [[1], [3, 0], [2]]
    assert make_batches(lengths, 20) == make_batches(list(lengths), 20)


def test_an_input_over_the_budget_still_gets_its_own_batch():
    assert make_batches([500, 2], 100) == [[0], [1]]
