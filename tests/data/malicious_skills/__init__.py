"""A malicious skill set for the scanner: see cases.py."""
