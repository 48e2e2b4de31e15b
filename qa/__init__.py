"""Question answering over retrieved passages: question typing, candidate spans, scoring,
abstention, arithmetic and citations. ``index/`` stores and retrieves; this package answers."""
