"""vuoro: booking and walk-in queues for a public agency's service points."""
