"""``python -m depscreen.cli``: the same as the ``depscreen`` command."""

from . import main

if __name__ == "__main__":
    main()
