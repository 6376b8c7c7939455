"""`python -m app.cli`, as the tests and benchmarks start the console script."""

from app.cli.main import main

main()
