#!/usr/bin/env python
from vuoro.cli import main

if __name__ == "__main__":
    main()
