"""Attaching to a Hermes Agent home: its sessions (state.db), pending writes and skill telemetry.

Everything here reads Hermes's files as Hermes writes them and never changes them,
except an approved pending write, replayed the way Hermes would (``pending``).
"""
