"""Use cases on the practice's records: professionals, patients, organisms, prescribers, favourites."""
