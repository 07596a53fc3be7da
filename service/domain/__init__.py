"""The pure core: rules and scoring. Takes values (and `now`), returns values; no I/O, no clock, no logging."""
