"""The Textual user interface. It only calls the core and renders its events."""
