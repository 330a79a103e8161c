"""`python -m rnnlab` is the `rnnlab` command."""

from rnnlab.cli.app import main

main()
