"""Reservation keys: ten of Crockford's symbols, each equally likely at every position."""
from collections import Counter

from vuoro.booking.keys import CROCKFORD, KEY_LENGTH, KEY_RE, new_reservation_key


def test_keys_are_ten_symbols_each_equally_likely_at_every_position():
    keys = [new_reservation_key() for _ in range(32000)]
    assert all(KEY_RE.fullmatch(key) for key in keys)
    assert len(set(keys)) == len(keys)  # 50 bits: a repeat among 32,000 has a chance of about 5 x 10^-7
    expected = len(keys) / len(CROCKFORD)  # 1,000 of each symbol at each position
    for position in range(KEY_LENGTH):
        counts = Counter(key[position] for key in keys)
        assert set(counts) == set(CROCKFORD), position
        # Pearson's chi-square over 31 degrees of freedom: a uniform source exceeds 100 with a
        # chance of 3.5 x 10^-9; one symbol half as likely as the others adds ~250 (never passed
        # in 200 simulated runs).
        assert sum((counts[symbol] - expected) ** 2 / expected for symbol in CROCKFORD) < 100, position
