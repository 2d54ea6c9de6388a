"""`make bench`: what every request costs, and whether that stays flat as data grows."""
