import pytest

from grappe.core.chunks import DEFAULT_SIZE, chunked


def test_chunks_keep_order_and_cut_the_last_one_short():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_chunks_read_a_generator_lazily():
    seen = []

    def numbers():
        for n in range(10):
            seen.append(n)
            yield n

    first = next(chunked(numbers(), 4))
    assert first == [0, 1, 2, 3] and seen == [0, 1, 2, 3]


def test_the_default_stays_under_the_oldest_sqlite_limit_with_room_to_spare():
    assert DEFAULT_SIZE * 2 <= 999 + 1 and DEFAULT_SIZE < 999


def test_a_chunk_has_at_least_one_item():
    with pytest.raises(ValueError):
        list(chunked([1], 0))
