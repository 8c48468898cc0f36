"""Search across properties, turns and vendors: trigram matching of ids, names and addresses."""
