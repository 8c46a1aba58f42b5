"""Feedback and training data (issue 16): ratings and corrections of episodes
(:mod:`.ratings`), episodes as conversations (:mod:`.conversation`), and exports for
fine-tuning and preference training (:mod:`.formats`, :mod:`.export`)."""
