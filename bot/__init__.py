"""docbot's front ends: the Discord bot, the `docbot` command line and the terminal chat."""
