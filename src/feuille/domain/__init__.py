"""Pure domain: value objects, identifiers and records. No I/O, no ORM, no clock."""
