"""A tiny ledger: accounts and the entries that move money between them."""
