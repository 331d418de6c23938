"""`make bench` = `python -m bench`: the quote benchmark (bench/quotes.py)."""

from bench.quotes import main

raise SystemExit(main())
